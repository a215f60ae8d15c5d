"use strict";
/**
 * Checking of server options, instances and scenario files. Everything a caller passes in is
 * checked once here, so the request path can trust it.
 */
const fs = require("node:fs");
const { normalizeFault } = require("./faults.cjs");
const { toInstanceState } = require("./instances.cjs");
const { MAX_BATCH_IDS, MAX_BATCH_IDS_LIMIT } = require("./endpoints.cjs");

/** Defaults of {@link resolveOptions}; `undefined` marks an option that is off unless given. */
const DEFAULTS = Object.freeze({
  host: "127.0.0.1",
  port: 0,
  latencyMs: 0,
  tokens: Object.freeze(["mock-token"]),
  instances: Object.freeze([]),
  batchResponseForm: "wrapped",
  faults: Object.freeze([]),
  maxBodyBytes: 64 * 1024,
  maxIdsPerRequest: MAX_BATCH_IDS,
  rateLimit: undefined,
  accessKeys: Object.freeze([]),
  iamUsers: Object.freeze([]),
  tokenLifetimeMs: 24 * 60 * 60 * 1000,
  iamEchoesPassword: false,
  clock: Date.now,
});

/** Keys a scenario file may hold: the options minus where to listen and the clock, plus a description. */
const SCENARIO_KEYS = [
  "description",
  ...Object.keys(DEFAULTS).filter((key) => !["host", "port", "clock"].includes(key)),
];

/** @param {unknown} v */
const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
/** @param {unknown} v */
const isNonEmptyString = (v) => typeof v === "string" && v !== "";

/**
 * @typedef {object} ResolvedOptions
 * @property {string} host
 * @property {number} port
 * @property {number} latencyMs
 * @property {string[]} tokens
 * @property {object[]} instances checked descriptions; the server makes their state
 * @property {'wrapped' | 'bare'} batchResponseForm
 * @property {unknown[]} faults checked later, by the server's fault book
 * @property {number} maxBodyBytes
 * @property {number} maxIdsPerRequest
 * @property {import('./gateway.cjs').RateLimit | undefined} rateLimit
 * @property {import('./signing.cjs').AccessKey[]} accessKeys
 * @property {import('./iam.cjs').IamUser[]} iamUsers
 * @property {number} tokenLifetimeMs
 * @property {boolean} iamEchoesPassword
 * @property {() => number} clock
 */

/**
 * Checks options and fills in defaults.
 * @param {unknown} [options]
 * @returns {ResolvedOptions}
 * @throws {TypeError} naming the first bad option
 */
function resolveOptions(options = {}) {
  if (!isPlainObject(options)) throw new TypeError("Mock server options must be an object.");
  const known = Object.keys(DEFAULTS);
  const unknown = Object.keys(options).find((key) => !known.includes(key));
  if (unknown) throw new TypeError(`Unknown mock server option "${unknown}"; known: ${known.join(", ")}.`);
  const o = /** @type {Record<string, any>} */ ({ ...DEFAULTS });
  for (const [key, value] of Object.entries(options)) if (value !== undefined) o[key] = value;

  if (!isNonEmptyString(o.host)) throw new TypeError('Option "host" must be a non-empty string.');
  if (!(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535)) {
    throw new TypeError('Option "port" must be an integer from 0 to 65535.');
  }
  if (!(Number.isFinite(o.latencyMs) && o.latencyMs >= 0)) {
    throw new TypeError('Option "latencyMs" must be a number >= 0.');
  }
  if (!Array.isArray(o.tokens) || !o.tokens.every(isNonEmptyString)) {
    throw new TypeError('Option "tokens" must be an array of non-empty strings.');
  }
  if (!Array.isArray(o.instances)) throw new TypeError('Option "instances" must be an array.');
  if (o.batchResponseForm !== "wrapped" && o.batchResponseForm !== "bare") {
    throw new TypeError('Option "batchResponseForm" must be "wrapped" or "bare".');
  }
  if (!Array.isArray(o.faults)) throw new TypeError('Option "faults" must be an array.');
  o.faults.forEach(normalizeFault);
  if (!(Number.isSafeInteger(o.maxBodyBytes) && o.maxBodyBytes >= 1)) {
    throw new TypeError('Option "maxBodyBytes" must be a positive integer.');
  }
  if (!(Number.isInteger(o.maxIdsPerRequest) && o.maxIdsPerRequest >= 1 && o.maxIdsPerRequest <= MAX_BATCH_IDS_LIMIT)) {
    throw new TypeError(`Option "maxIdsPerRequest" must be an integer from 1 to ${MAX_BATCH_IDS_LIMIT}.`);
  }
  if (o.rateLimit !== undefined) checkRateLimit(o.rateLimit);
  if (!(Number.isFinite(o.tokenLifetimeMs) && o.tokenLifetimeMs > 0)) {
    throw new TypeError('Option "tokenLifetimeMs" must be a number > 0.');
  }
  if (typeof o.iamEchoesPassword !== "boolean") throw new TypeError('Option "iamEchoesPassword" must be a boolean.');
  if (typeof o.clock !== "function") throw new TypeError('Option "clock" must be a function returning milliseconds.');
  const accessKeys = checkRecords(
    "accessKeys",
    o.accessKeys,
    ["accessKey", "secretKey"],
    ["projectId", "securityToken"],
  );
  const iamUsers = checkRecords(
    "iamUsers",
    o.iamUsers,
    ["domainName", "userName", "password"],
    ["projectName", "projectId"],
  );
  // Checked here so a bad instance fails startMockServer; the server makes the states.
  for (const instance of o.instances) toInstanceState(instance, 0);
  return /** @type {ResolvedOptions} */ ({
    ...o,
    tokens: [...o.tokens],
    instances: [...o.instances],
    accessKeys,
    iamUsers,
  });
}

/**
 * Checks the `rateLimit` option.
 * @param {unknown} value
 * @throws {TypeError}
 */
function checkRateLimit(value) {
  const r = /** @type {Record<string, any>} */ (value);
  const ok =
    isPlainObject(value) &&
    Object.keys(r).every((k) => k === "requestsPerSecond" || k === "burst") &&
    Number.isFinite(r.requestsPerSecond) &&
    r.requestsPerSecond > 0 &&
    (r.burst === undefined || (Number.isSafeInteger(r.burst) && r.burst >= 1));
  if (!ok)
    throw new TypeError('Option "rateLimit" must be { requestsPerSecond: a number > 0, burst?: an integer >= 1 }.');
}

/**
 * Checks an array of records whose fields are all non-empty strings, and copies it.
 * @param {string} option the option's name, for messages
 * @param {unknown} list
 * @param {string[]} required
 * @param {string[]} optional
 * @returns {any[]}
 * @throws {TypeError}
 */
function checkRecords(option, list, required, optional) {
  const shape = `{ ${required.join(", ")}${optional.map((k) => `, ${k}?`).join("")} }`;
  const fail = () => {
    throw new TypeError(`Option "${option}" must be an array of ${shape} with non-empty string values.`);
  };
  if (!Array.isArray(list)) fail();
  return /** @type {unknown[]} */ (list).map((item) => {
    if (!isPlainObject(item)) fail();
    const record = /** @type {Record<string, unknown>} */ (item);
    const keysOk = Object.keys(record).every((k) => required.includes(k) || optional.includes(k));
    const valuesOk =
      required.every((k) => isNonEmptyString(record[k])) &&
      optional.every((k) => record[k] === undefined || isNonEmptyString(record[k]));
    if (!keysOk || !valuesOk) fail();
    return { ...record };
  });
}

/**
 * Reads a scenario file: JSON holding a `description` and any server option but `host`, `port`
 * and `clock`. The result (without `description`) can be passed to `startMockServer`.
 * @param {string} file path of the JSON file
 * @returns {Record<string, unknown>} the server options it describes
 * @throws {Error} saying which file is wrong and why
 */
function loadScenario(file) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`Cannot read scenario file ${file}: ${/** @type {Error} */ (err).message}`);
  }
  let scenario;
  try {
    scenario = JSON.parse(text);
  } catch (err) {
    throw new Error(`Scenario file ${file} is not valid JSON: ${/** @type {Error} */ (err).message}`);
  }
  try {
    return scenarioOptions(scenario);
  } catch (err) {
    throw new Error(`Scenario file ${file} is invalid: ${/** @type {Error} */ (err).message}`);
  }
}

/**
 * Checks a parsed scenario and returns the server options it describes.
 * @param {unknown} scenario
 * @returns {Record<string, unknown>}
 * @throws {TypeError}
 */
function scenarioOptions(scenario) {
  if (!isPlainObject(scenario)) throw new TypeError("a scenario must be a JSON object.");
  const unknown = Object.keys(scenario).find((key) => !SCENARIO_KEYS.includes(key));
  if (unknown) throw new TypeError(`unknown key "${unknown}"; known: ${SCENARIO_KEYS.join(", ")}.`);
  const { description, ...options } = /** @type {Record<string, unknown>} */ (scenario);
  if (description !== undefined && typeof description !== "string") {
    throw new TypeError('"description" must be a string.');
  }
  resolveOptions(options);
  return options;
}

module.exports = { DEFAULTS, SCENARIO_KEYS, resolveOptions, loadScenario, scenarioOptions };
