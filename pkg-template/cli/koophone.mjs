#!/usr/bin/env node
// `koophone`: the package's command line. Auth comes from the environment only
// (never flags: they land in shell history and `ps`). Exit codes: 0 done,
// 1 failed, 2 usage, 3 some IDs not reported, 4 timeout, 130 interrupted.
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import * as lib from "koophone-wasm";

const EXIT = { OK: 0, FAILED: 1, USAGE: 2, MISSING: 3, TIMEOUT: 4, INTERRUPTED: 130 };
const SECRET_FLAGS = /^--?(token|password|passwd|secret-?key|sk|ak|access-?key|security-?token|credentials)(=|$)/i;

const AUTH_HELP = `Authentication (environment only):
  KOOPHONE_TOKEN                         a project-scoped IAM token
  HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID   AK/SK signing
  KOOPHONE_IAM_DOMAIN, KOOPHONE_IAM_USER, KOOPHONE_IAM_PASSWORD, KOOPHONE_IAM_PROJECT
  (a project name), KOOPHONE_IAM_ENDPOINT  an IAM password login
  KOOPHONE_ENDPOINT or --endpoint URL    the KooPhone service (default the public one)`;

const EXITS_HELP = `Exit codes: 0 done, 1 failed, 2 usage, 3 some IDs not reported, 4 timeout, 130 interrupted.`;

const COMMANDS = {
  status: {
    usage: "koophone status <id…> | --ids-file FILE | -  [--json | --ndjson]",
    about:
      "Show the state of instances: a table with counts per state and the IDs not reported.\n  `-` reads IDs from stdin (whitespace or line separated). --json prints { statuses, missing },\n  --ndjson one object per instance. Exits 3 when some IDs were not reported.",
    options: { "ids-file": { type: "string" }, json: { type: "boolean" }, ndjson: { type: "boolean" } },
    run: status,
  },
  "wait-prepared": {
    usage: "koophone wait-prepared --user USER_ID --instance INSTANCE_ID [--max-wait-ms N] [--interval-ms N] [--json]",
    about:
      "Poll prepare-progress until the instance is ready (exit 0), fails (1) or --max-wait-ms passes (4).\n  --interval-ms is the first delay between polls (default 1000); it grows while nothing changes,\n  up to 10 s. --max-wait-ms defaults to 300000 (5 minutes).",
    options: {
      user: { type: "string" },
      instance: { type: "string" },
      "max-wait-ms": { type: "string" },
      "interval-ms": { type: "string" },
      json: { type: "boolean" },
    },
    run: waitPrepared,
  },
  "wait-state": {
    usage:
      "koophone wait-state <state> <id…> | --ids-file FILE | -  [--fail-on STATE,…] [--max-wait-ms N] [--interval-ms N] [--json]",
    about:
      "Wait until every instance is in <state> (running, stopped, …; several as a,b).\n  Exits 1 when one enters a --fail-on state, 4 after --max-wait-ms (default 600000, 10 minutes).\n  --interval-ms: from one round to the next, at least 100 (default 5000).",
    options: {
      "fail-on": { type: "string" },
      "max-wait-ms": { type: "string" },
      "interval-ms": { type: "string" },
      json: { type: "boolean" },
      "ids-file": { type: "string" },
    },
    run: waitState,
  },
  watch: {
    usage: "koophone watch <id…> | --ids-file FILE | -  [--interval-ms N]",
    about: "Watch the state of instances until Ctrl-C: a live table on a terminal, NDJSON change events otherwise.",
    options: { "interval-ms": { type: "string" }, "ids-file": { type: "string" } },
    run: watch,
  },
  token: {
    usage: "koophone token",
    about: "Print a fresh IAM token (from the KOOPHONE_IAM_* variables) and nothing else, for other tools.",
    options: {},
    run: token,
  },
};

const MAIN_HELP = `koophone: KooPhone (Huawei Cloud phone) instances from the command line.

Commands:
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage}`)
  .join("\n")}

Every command but token takes --endpoint URL. Run \`koophone <command> --help\` for details.

${AUTH_HELP}

${EXITS_HELP}
`;

class UsageError extends Error {}

const out = process.stdout;
const tty = out.isTTY === true;
const colour = tty && !process.env.NO_COLOR && (out.hasColors?.() ?? false);
const controller = new AbortController();
let interrupted = false;
/** Which credentials the command uses (a key of CREDENTIAL_SOURCES), once read. */
let credentialSource;

// A reader that stops early (`koophone watch | head -1`) closes the pipe: stop quietly,
// instead of dying on an unhandled EPIPE or watching on for nobody.
out.on("error", (error) => {
  if (error.code !== "EPIPE") throw error;
  controller.abort();
  process.exit(process.exitCode ?? EXIT.OK);
});

process.on("SIGINT", () => {
  if (interrupted) process.exit(EXIT.INTERRUPTED);
  interrupted = true;
  controller.abort();
  // Whatever is in flight, be gone within a second.
  setTimeout(() => process.exit(EXIT.INTERRUPTED), 500).unref();
});

main(process.argv.slice(2)).then(
  (code) => finish(code),
  (error) => finish(report(error)),
);

function finish(code) {
  if (tty) out.write("\x1b[?25h");
  process.exitCode = interrupted ? EXIT.INTERRUPTED : code;
  // Lingering timers of an aborted call must not keep the process.
  setTimeout(() => process.exit(process.exitCode), 100).unref();
}

async function main(argv) {
  const secret = argv.find((a) => SECRET_FLAGS.test(a));
  if (secret) {
    throw new UsageError(
      `secrets are not accepted as flags (${secret.split("=")[0]}): they would land in shell history and \`ps\`. Set them in the environment instead.\n\n${AUTH_HELP}`,
    );
  }
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(MAIN_HELP);
    return EXIT.USAGE;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    out.write(MAIN_HELP);
    return EXIT.OK;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(", ")}`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { ...command.options, endpoint: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    // Node's advice on positionals that start with "-" does not apply to our IDs.
    throw new UsageError(`${error.message.split(". To specify a positional")[0]}\nusage: ${command.usage}`);
  }
  if (parsed.values.help) {
    out.write(`usage: ${command.usage}\n\n  ${command.about}\n\n${AUTH_HELP}\n\n${EXITS_HELP}\n`);
    return EXIT.OK;
  }
  return command.run(parsed.values, parsed.positionals);
}

// ---- auth and options ----

function env(name) {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

function iamOptions() {
  const names = ["KOOPHONE_IAM_DOMAIN", "KOOPHONE_IAM_USER", "KOOPHONE_IAM_PASSWORD", "KOOPHONE_IAM_PROJECT"];
  const given = names.filter((n) => env(n) !== undefined);
  if (given.length === 0) return undefined;
  if (given.length < names.length)
    throw new UsageError(`IAM login needs ${names.filter((n) => !given.includes(n)).join(", ")} too`);
  return {
    domainName: env("KOOPHONE_IAM_DOMAIN"),
    userName: env("KOOPHONE_IAM_USER"),
    password: env("KOOPHONE_IAM_PASSWORD"),
    projectName: env("KOOPHONE_IAM_PROJECT"),
    iamEndpoint: env("KOOPHONE_IAM_ENDPOINT"),
  };
}

/** What the variables of each kind of credentials are, for the hint after a refusal (see `report`). */
const CREDENTIAL_SOURCES = {
  token: "the token comes from KOOPHONE_TOKEN",
  keys: "the keys come from HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and HUAWEICLOUD_SDK_PROJECT_ID",
  iam: "the IAM login comes from KOOPHONE_IAM_DOMAIN, KOOPHONE_IAM_USER, KOOPHONE_IAM_PASSWORD, KOOPHONE_IAM_PROJECT and KOOPHONE_IAM_ENDPOINT",
};

function callOptions(values) {
  const endpoint = values.endpoint ?? env("KOOPHONE_ENDPOINT");
  const base = { signal: controller.signal, ...(endpoint ? { endpoint } : {}) };
  if (env("KOOPHONE_TOKEN")) {
    credentialSource = "token";
    return { ...base, token: env("KOOPHONE_TOKEN") };
  }
  const ak = env("HUAWEICLOUD_SDK_AK");
  const sk = env("HUAWEICLOUD_SDK_SK");
  if (ak || sk) {
    if (!ak || !sk) throw new UsageError("AK/SK signing needs both HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK");
    credentialSource = "keys";
    return { ...base, credentials: { accessKey: ak, secretKey: sk, projectId: env("HUAWEICLOUD_SDK_PROJECT_ID") } };
  }
  const iam = iamOptions();
  if (iam) {
    credentialSource = "iam";
    return { ...base, token: lib.iamTokenProvider(iam) };
  }
  throw new UsageError(`no credentials in the environment.\n\n${AUTH_HELP}`);
}

function number(values, name) {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number of milliseconds, got "${raw}"`);
  return Number(raw);
}

async function readIds(values, positionals) {
  const ids = [];
  // Whitespace or line separated; `#` starts a comment to the end of the line.
  const split = (text) =>
    text
      .replace(/#[^\n]*/g, " ")
      .split(/\s+/)
      .filter((s) => s !== "");
  if (values["ids-file"] !== undefined) {
    try {
      ids.push(...split(readFileSync(values["ids-file"], "utf8")));
    } catch (error) {
      throw new UsageError(`cannot read --ids-file ${values["ids-file"]}: ${error.code ?? error.message}`);
    }
  }
  for (const p of positionals) {
    if (p === "-") {
      if (process.stdin.isTTY) process.stderr.write("koophone: reading instance IDs from stdin; end with Ctrl-D\n");
      const chunks = [];
      for await (const chunk of process.stdin) chunks.push(chunk);
      ids.push(...split(Buffer.concat(chunks).toString("utf8")));
    } else ids.push(p);
  }
  if (ids.length === 0)
    throw new UsageError("no instance IDs: pass them as arguments, with --ids-file FILE, or `-` for stdin");
  return ids;
}

// ---- output ----

const STATE_COLOURS = {
  running: 32,
  starting: 36,
  stopped: 90,
  offline: 33,
  shutdown: 31,
  unknown: 35,
  unrecognized: 35,
};

function badge(state) {
  const text = state ?? "not reported";
  if (!colour) return text;
  return `\x1b[${STATE_COLOURS[state] ?? 90}m${text}\x1b[0m`;
}

function pad(text, width, shown = text) {
  return shown + " ".repeat(Math.max(0, width - text.length));
}

function table(statuses, missing) {
  const width = Math.max(11, ...statuses.map((s) => s.instanceId.length), ...missing.map((m) => m.length));
  const lines = [`${pad("INSTANCE", width)}  STATE`];
  for (const s of statuses)
    lines.push(`${pad(s.instanceId, width)}  ${badge(s.state)}${s.state === "unrecognized" ? ` (${s.status})` : ""}`);
  for (const m of missing) lines.push(`${pad(m, width)}  ${badge(null)}`);
  const counts = new Map();
  for (const s of statuses) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  const summary = [...counts].map(([state, n]) => `${n} ${state}`);
  if (missing.length) summary.push(`${missing.length} not reported`);
  lines.push("", summary.join(", "));
  if (missing.length) lines.push(`not reported: ${missing.join(" ")}`);
  return `${lines.join("\n")}\n`;
}

const elapsed = (ms) => `${(ms / 1000).toFixed(1)} s`;
const count = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;

// ---- commands ----

async function status(values, positionals) {
  if (values.json && values.ndjson) throw new UsageError("--json and --ndjson: pick one");
  const ids = await readIds(values, positionals);
  const options = callOptions(values);
  const { statuses, missing } = await lib.batchStatus(ids, options);
  if (values.json) out.write(`${JSON.stringify({ statuses, missing })}\n`);
  else if (values.ndjson) {
    for (const s of statuses) out.write(`${JSON.stringify(s)}\n`);
    for (const m of missing)
      out.write(`${JSON.stringify({ instanceId: m, status: null, state: null, missing: true })}\n`);
  } else out.write(table(statuses, missing));
  return missing.length ? EXIT.MISSING : EXIT.OK;
}

async function waitPrepared(values) {
  if (!values.user || !values.instance)
    throw new UsageError(`--user and --instance are required\nusage: ${COMMANDS["wait-prepared"].usage}`);
  const maxWaitMs = number(values, "max-wait-ms");
  const intervalMs = number(values, "interval-ms");
  const options = {
    ...callOptions(values),
    ...(maxWaitMs !== undefined ? { maxWaitMs } : {}),
    ...(intervalMs !== undefined ? { minDelayMs: intervalMs, maxDelayMs: Math.max(intervalMs, 10_000) } : {}),
    onProgress: (p) => {
      if (values.json) return;
      const line = `${p.state} · waiting ${p.waitingCount ?? "?"} · poll ${p.attempt} · ${elapsed(p.elapsedMs)}`;
      out.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    },
  };
  const done = await lib.waitPrepared({ userId: values.user, instanceId: values.instance }, options);
  if (values.json) out.write(`${JSON.stringify(done)}\n`);
  else
    out.write(
      `${tty ? "\r\x1b[2K" : ""}ready: ${values.instance} (${count(done.attempt, "poll")}, ${elapsed(done.elapsedMs)})\n`,
    );
  return EXIT.OK;
}

async function waitState(values, positionals) {
  const [until, ...rest] = positionals;
  if (!until) throw new UsageError(`which state?\nusage: ${COMMANDS["wait-state"].usage}`);
  const ids = await readIds(values, rest);
  const { waitForState } = lib;
  const maxWaitMs = number(values, "max-wait-ms");
  const intervalMs = number(values, "interval-ms");
  const options = {
    ...callOptions(values),
    ...(maxWaitMs !== undefined ? { maxWaitMs } : {}),
    ...(intervalMs !== undefined ? { intervalMs } : {}),
    ...(values["fail-on"] ? { failOn: values["fail-on"].split(",") } : {}),
    onProgress: (p) => {
      if (values.json) return;
      const line = `round ${p.round} · ${p.done.length} done · ${p.pending.length} pending · ${elapsed(p.elapsedMs)}`;
      out.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    },
  };
  const result = await waitForState(ids, until.includes(",") ? until.split(",") : until, options);
  if (values.json) out.write(`${JSON.stringify(result)}\n`);
  else
    out.write(
      `${tty ? "\r\x1b[2K" : ""}all ${ids.length} ${until} (${count(result.rounds, "round")}, ${elapsed(result.elapsedMs)})\n`,
    );
  return EXIT.OK;
}

async function watch(values, positionals) {
  const ids = await readIds(values, positionals);
  const { watchStatus } = lib;
  const intervalMs = number(values, "interval-ms");
  const options = { ...callOptions(values), ...(intervalMs !== undefined ? { intervalMs } : {}) };
  const events = watchStatus(ids, options);
  try {
    for await (const event of events) {
      if (!tty) {
        out.write(
          `${JSON.stringify({
            round: event.round,
            at: event.at,
            changes: event.changes,
            error: event.error ? { code: event.error.code, message: event.error.message } : undefined,
          })}\n`,
        );
        continue;
      }
      out.write("\x1b[H\x1b[2J");
      out.write(table(event.statuses, event.missing));
      out.write(
        `\nround ${event.round} at ${new Date(event.at).toLocaleTimeString()}${event.error ? ` · failed: ${event.error.message}` : ""} · Ctrl-C to stop\n`,
      );
    }
  } catch (error) {
    if (interrupted) return EXIT.INTERRUPTED;
    throw error;
  }
  return interrupted ? EXIT.INTERRUPTED : EXIT.OK;
}

async function token() {
  const iam = iamOptions();
  if (!iam)
    throw new UsageError(`\`koophone token\` logs in to IAM: set the KOOPHONE_IAM_* variables.\n\n${AUTH_HELP}`);
  credentialSource = "iam";
  const value = await lib.iamTokenProvider(iam)({ forceRefresh: false });
  out.write(value + (tty ? "\n" : ""));
  return EXIT.OK;
}

// ---- errors ----

function report(error) {
  if (tty) out.write("\n");
  if (error instanceof UsageError) {
    process.stderr.write(`koophone: ${error.message}\n`);
    return EXIT.USAGE;
  }
  if (interrupted || error?.code === "ABORTED") {
    process.stderr.write("koophone: interrupted\n");
    return EXIT.INTERRUPTED;
  }
  const message = error?.code === "INVALID_ARGUMENT" ? asFlags(error.message) : error?.message;
  const details = [
    error?.code && `code ${error.code}`,
    error?.httpStatus && `HTTP ${error.httpStatus}`,
    error?.errorCode,
    error?.requestId && `request ${error.requestId}`,
  ].filter(Boolean);
  process.stderr.write(`koophone: ${message ?? String(error)}${details.length ? ` (${details.join(", ")})` : ""}\n`);
  // The library names its own options; say which variables those were.
  const refused = error?.code === "AUTH" || (error?.code === "HTTP" && [401, 403].includes(error.httpStatus));
  if (refused && credentialSource) process.stderr.write(`koophone: ${CREDENTIAL_SOURCES[credentialSource]}\n`);
  if (error?.code === "INVALID_ARGUMENT") return EXIT.USAGE;
  if (error?.code === "WAIT_TIMEOUT") return EXIT.TIMEOUT;
  return EXIT.FAILED;
}

/** The library's option names in its refusals, as the flags that set them. */
const FLAGS = [
  ["maxWaitMs", "--max-wait-ms"],
  ["minDelayMs", "--interval-ms"],
  ["intervalMs", "--interval-ms"],
  ["failOn", "--fail-on"],
  ["until", "<state>"],
];

function asFlags(message) {
  for (const [name, flag] of FLAGS) {
    if (!message.startsWith(`${name} `)) continue;
    // "failOn must be a state name or an array of them: unknown, stopped, …"
    const states = /^\w+ must be a state name or an array of them: (.*)$/.exec(message);
    if (states) return `${flag} takes state names, several as a,b: ${states[1]}`;
    return flag + message.slice(name.length);
  }
  return message;
}
