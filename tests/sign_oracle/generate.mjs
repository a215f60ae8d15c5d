// Generate AK/SK signing cases signed by Huawei's own signer, for tests/sign_oracle.rs.
//
//   node tests/sign_oracle/generate.mjs [--seed N] [--count N] [--out FILE]
//
// Each case is a random request to one of the two KooPhone endpoints (varied hosts, ports,
// path prefixes, queries, headers, bodies with unicode, dates, keys, with and without project
// ID and security token), signed by BasicCredentials.processAuthRequest of
// @huaweicloud/huaweicloud-sdk-core, the code path Huawei's Node SDK uses for every request.
// The file records what the Rust signer gets (method, url, headers, body, time, keys) and what
// Huawei's signer produced (X-Sdk-Date, Authorization). Same seed, same file.
import { createRequire } from "node:module";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";

const require = createRequire(import.meta.url);
const { BasicCredentials } = require("@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials");
const moment = createRequire(require.resolve("@huaweicloud/huaweicloud-sdk-core"))("moment");
const sdkVersion = require("@huaweicloud/huaweicloud-sdk-core/package.json").version;

const { values: args } = parseArgs({
  options: {
    seed: { type: "string", default: "20200104" },
    count: { type: "string", default: "1200" },
    out: { type: "string", default: "build/sign-oracle.json" },
  },
});
const seed = Number(args.seed);
const count = Number(args.count);
if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(count) || count < 1) {
  console.error("usage: generate.mjs [--seed N] [--count N >= 1] [--out FILE]");
  process.exit(2);
}

// mulberry32: a small seeded PRNG, enough for test data.
let state = seed >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
const chance = (p) => random() < p;
const pick = (items) => items[int(0, items.length - 1)];
const chars = (alphabet, lo, hi) => Array.from({ length: int(lo, hi) }, () => pick(alphabet)).join("");
const randomCase = (s) => [...s].map((c) => (chance(0.3) ? c.toUpperCase() : c)).join("");

const ALNUM = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"];
const PRINTABLE = [...Array(94)].map((_, i) => String.fromCharCode(33 + i)); // '!' .. '~'
const HEADER_VALUE = [...PRINTABLE, " ", " ", "\t"];
const TEXT = [...ALNUM, ..."\"\\/\n\t\r\u0001 -_.~'{}[]:,", "é", "ü", "中", "文", "😀", "𝄞", "\u2028", "\u00a0"];
const PATH_SEGMENT = [...ALNUM, ..."-._~!$&()*+,;=:@", "%41", "%2F", "é", "中", "😀"];

function host() {
  const generated = () =>
    Array.from({ length: int(1, 4) }, () => chars([..."abcdefghijklmnopqrstuvwxyz0123456789"], 1, 12)).join(".") +
    pick(["", "-x", ".com", ".myhuaweicloud.com"]);
  return pick([
    () => ({ name: "koophone.myhuaweicloud.com", loopback: false }),
    () => ({
      name: `koophone.${pick(["cn-south-1", "cn-north-4", "ap-southeast-1"])}.myhuaweicloud.com`,
      loopback: false,
    }),
    () => ({ name: randomCase(generated()), loopback: false }),
    () => ({ name: pick(["127.0.0.1", "localhost", "127.8.9.10", "[::1]", "api.localhost"]), loopback: true }),
  ])();
}

function sdkDateFor(nowMs) {
  return `${moment(nowMs).utcOffset(0).format("YYYYMMDDTHHmmss")}Z`;
}

function nowMs() {
  return pick([
    () => int(946684800000, 4102444800000), // 2000 .. 2100
    () => int(0, 253402300799999), // 1970 .. 9999
    () => int(1578128722000, 1578128722999) + pick([0, 0.25, 0.999]), // fractions of a millisecond
    () => pick([0, 951782400000, 951868799999, 4107542400000, 253402300799999, 1709164800123]), // edges, leap days
  ])();
}

function body(api) {
  const text = () => chars(TEXT, 0, 40);
  if (api === "/v1/instances/batch-query-status") {
    const ids = Array.from({ length: int(0, 40) }, () => (chance(0.7) ? chars(ALNUM, 1, 32) : text()));
    return { instance_ids: ids };
  }
  return pick([
    () => ({ user_id: chars([..."0123456789"], 1, 32), instance_id: chars(ALNUM, 1, 32) }),
    () => ({ user_id: text(), instance_id: text(), extra: [int(-5, 5), chance(0.5), null, { deep: text() }] }),
  ])();
}

function query() {
  if (chance(0.65)) return { params: {}, text: "" };
  const params = {};
  const parts = [];
  for (let i = int(1, 6); i > 0; i--) {
    const key =
      chance(0.3) && Object.keys(params).length
        ? pick(Object.keys(params))
        : chars([...ALNUM, "_", "-", "é", " ", "+", "😀", "&", "="], 1, 8);
    const value = chars([...ALNUM, " ", "+", "/", "?", "%", "é", "中", "😀", "=", "&", "~", "*"], 0, 12);
    if (key === "__proto__") continue;
    const old = params[key];
    params[key] = old === undefined ? value : [...(Array.isArray(old) ? old : [old]), value];
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  }
  return { params, text: parts.join("&") };
}

function headers() {
  const out = {};
  const contentType = pick([
    ["content-type", "application/json"],
    ["Content-Type", "application/json"],
    ["content-type", "application/json;charset=UTF-8"],
    ["content-type", "multipart/form-data; boundary=xyz"],
    null,
  ]);
  if (contentType) out[contentType[0]] = contentType[1];
  if (chance(0.6)) out[randomCase("x-request-id")] = uuid();
  if (chance(0.5)) out[pick(["accept", "Accept"])] = "application/json";
  for (let i = int(0, 3); i > 0; i--) {
    const name = randomCase(`x-${chars([..."abcdefghijklmnopqrstuvwxyz0123456789-"], 1, 12)}`);
    if (Object.keys(out).some((k) => k.toLowerCase() === name.toLowerCase())) continue;
    if (["x-sdk-date", "x-project-id", "x-security-token", "x-sdk-content-sha256"].includes(name.toLowerCase()))
      continue;
    out[name] = pick(PRINTABLE) + chars(HEADER_VALUE, 0, 30) + pick(PRINTABLE);
  }
  return out;
}

function uuid() {
  const hex = () => chars([..."0123456789abcdef"], 4, 4);
  return `${hex()}${hex()}-${hex()}-4${hex().slice(1)}-a${hex().slice(1)}-${hex()}${hex()}${hex()}`;
}

const cases = [];
let defaultPortCases = 0;
for (let n = 0; n < count; n++) {
  const api = n % 2 === 0 ? "/v1/instances/batch-query-status" : "/v1/instances/prepare-progress";
  const h = host();
  const scheme = h.loopback && chance(0.5) ? "http" : "https";
  const defaultPort = scheme === "https" ? 443 : 80;
  const port = pick([null, null, int(1, 65535), 8443, 3000, defaultPort]);
  const prefix = pick([
    "",
    "",
    "/api/koophone",
    // "." and ".." segments are left out: fetch resolves them, so the Rust signer refuses them.
    `/${Array.from({ length: int(1, 3) }, () => chars(PATH_SEGMENT, 1, 8).replace(/^\.\.?$/, "x")).join("/")}`,
  ]);
  const method = chance(0.9) ? "POST" : pick(["GET", "PUT", "DELETE", "PATCH"]);
  const data = method === "POST" || chance(0.5) ? body(api) : undefined;
  const q = query();
  const time = nowMs();
  const sdkDate = sdkDateFor(time);
  const requestHeaders = headers();
  const ak = chance(0.7)
    ? chars([..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"], 20, 20)
    : chars(
        PRINTABLE.filter((c) => c !== ","),
        1,
        64,
      );
  const sk = chance(0.7) ? chars(ALNUM, 40, 40) : chars(PRINTABLE, 1, 128);
  const projectId = chance(0.5) ? chars([..."0123456789abcdef"], 32, 32) : null;
  const securityToken = chance(0.3) ? chars([...ALNUM, "+", "/", "=", "-", "_"], 1, 3000) : null;

  const endpoint = `${chance(0.1) ? scheme.toUpperCase() : scheme}://${h.name}${port === null ? "" : `:${port}`}${prefix}`;
  const url = `${endpoint}${api}${q.text ? `?${q.text}` : ""}`;

  // Huawei's signer signs the port written in the URL even when it is the default one, which
  // neither fetch nor Node sends in the Host header; give it the Host header actually sent.
  const sentHost = port === defaultPort ? { host: h.name.toLowerCase() } : {};
  if (port === defaultPort) defaultPortCases++;

  const credentials = new BasicCredentials().withAk(ak).withSk(sk);
  if (projectId) credentials.withProjectId(projectId);
  if (securityToken) credentials.withSecurityToken(securityToken);
  const request = {
    method,
    endpoint,
    url: api,
    queryParams: q.params,
    headers: { ...requestHeaders, ...sentHost, "X-Sdk-Date": sdkDate },
    data,
  };
  const signed = await credentials.processAuthRequest(null, request);

  // What is sent besides the signer's own headers: the caller's headers plus whatever the SDK
  // added (X-Sdk-Content-Sha256 for non-JSON content types).
  const own = new Set(["host", "X-Sdk-Date", "Authorization", "X-Project-Id", "X-Security-Token"]);
  const sent = Object.entries(signed.headers).filter(([k]) => !own.has(k));
  cases.push({
    method,
    url,
    headers: sent,
    body: data === undefined ? "" : JSON.stringify(data),
    nowMs: time,
    accessKey: ak,
    secretKey: sk,
    projectId,
    securityToken,
    sdkDate,
    authorization: signed.headers.Authorization,
  });
}

mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(
  args.out,
  JSON.stringify({ generator: `@huaweicloud/huaweicloud-sdk-core ${sdkVersion}`, seed, count, cases }),
);
console.log(
  `${count} cases (${defaultPortCases} with an explicit default port) signed by Huawei's signer -> ${args.out}`,
);
