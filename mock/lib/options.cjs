'use strict';
/**
 * Checking of server options, instances and scenario files. Everything a caller passes in is
 * checked once here, so the request path can trust it.
 */
const fs = require('node:fs');
const { normalizeFault } = require('./faults.cjs');

/** Defaults of {@link resolveOptions}. */
const DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  latencyMs: 0,
  tokens: Object.freeze(['mock-token']),
  instances: Object.freeze([]),
  batchResponseForm: 'wrapped',
  faults: Object.freeze([]),
  maxBodyBytes: 64 * 1024,
});

/** Keys a scenario file may hold: the options minus where to listen, plus a description. */
const SCENARIO_KEYS = ['description', 'latencyMs', 'tokens', 'instances', 'batchResponseForm', 'faults', 'maxBodyBytes'];

/** @param {unknown} v */
const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
/** @param {unknown} v */
const isNonEmptyString = (v) => typeof v === 'string' && v !== '';

/**
 * @typedef {import('./endpoints.cjs').InstanceState} InstanceState
 * @typedef {object} ResolvedOptions
 * @property {string} host
 * @property {number} port
 * @property {number} latencyMs
 * @property {string[]} tokens
 * @property {InstanceState[]} instances
 * @property {'wrapped' | 'bare'} batchResponseForm
 * @property {unknown[]} faults checked later, by the server's fault book
 * @property {number} maxBodyBytes
 */

/**
 * Checks options and fills in defaults.
 * @param {unknown} [options]
 * @returns {ResolvedOptions}
 * @throws {TypeError} naming the first bad option
 */
function resolveOptions(options = {}) {
  if (!isPlainObject(options)) throw new TypeError('Mock server options must be an object.');
  const known = Object.keys(DEFAULTS);
  const unknown = Object.keys(options).find((key) => !known.includes(key));
  if (unknown) throw new TypeError(`Unknown mock server option "${unknown}"; known: ${known.join(', ')}.`);
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
  if (o.batchResponseForm !== 'wrapped' && o.batchResponseForm !== 'bare') {
    throw new TypeError('Option "batchResponseForm" must be "wrapped" or "bare".');
  }
  if (!Array.isArray(o.faults)) throw new TypeError('Option "faults" must be an array.');
  o.faults.forEach(normalizeFault);
  if (!(Number.isSafeInteger(o.maxBodyBytes) && o.maxBodyBytes >= 1)) {
    throw new TypeError('Option "maxBodyBytes" must be a positive integer.');
  }
  return /** @type {ResolvedOptions} */ ({ ...o, tokens: [...o.tokens], instances: o.instances.map(toInstanceState) });
}

/**
 * Checks an instance description and returns its fresh state (preparation not started).
 * @param {unknown} input `{ id, status, owner?, prepare? }`
 * @returns {InstanceState}
 * @throws {TypeError}
 */
function toInstanceState(input) {
  if (!isPlainObject(input)) throw new TypeError('An instance must be an object like { id, status }.');
  const inst = /** @type {Record<string, any>} */ (input);
  const label = `Instance ${JSON.stringify(inst.id)}`;
  if (!isNonEmptyString(inst.id)) throw new TypeError('An instance needs a non-empty string "id".');
  if (!Number.isInteger(inst.status)) throw new TypeError(`${label}: "status" must be an integer.`);
  if (inst.owner !== undefined && !isNonEmptyString(inst.owner)) {
    throw new TypeError(`${label}: "owner" must be a non-empty string.`);
  }
  if (inst.prepare !== undefined && !isPrepareScript(inst.prepare)) {
    throw new TypeError(`${label}: "prepare" must be a non-empty array of { status, waitingCount } integers.`);
  }
  const unknown = Object.keys(inst).find((key) => !['id', 'status', 'owner', 'prepare'].includes(key));
  if (unknown) throw new TypeError(`${label}: unknown field "${unknown}".`);
  return {
    id: inst.id,
    status: inst.status,
    owner: inst.owner,
    prepare: inst.prepare?.map((s) => ({ status: s.status, waitingCount: s.waitingCount })),
    step: 0,
  };
}

/** @param {unknown} script */
function isPrepareScript(script) {
  return (
    Array.isArray(script) &&
    script.length > 0 &&
    script.every((s) => isPlainObject(s) && Number.isInteger(s.status) && Number.isInteger(s.waitingCount))
  );
}

/**
 * Reads a scenario file: JSON holding any of `description`, `latencyMs`, `tokens`, `instances`,
 * `batchResponseForm`, `faults`, `maxBodyBytes`. The result (without `description`) can be
 * passed to `startMockServer`.
 * @param {string} file path of the JSON file
 * @returns {Record<string, unknown>} the server options it describes
 * @throws {Error} saying which file is wrong and why
 */
function loadScenario(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
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
  if (!isPlainObject(scenario)) throw new TypeError('a scenario must be a JSON object.');
  const unknown = Object.keys(scenario).find((key) => !SCENARIO_KEYS.includes(key));
  if (unknown) throw new TypeError(`unknown key "${unknown}"; known: ${SCENARIO_KEYS.join(', ')}.`);
  const { description, ...options } = /** @type {Record<string, unknown>} */ (scenario);
  if (description !== undefined && typeof description !== 'string') {
    throw new TypeError('"description" must be a string.');
  }
  resolveOptions(options);
  return options;
}

module.exports = { DEFAULTS, resolveOptions, toInstanceState, loadScenario, scenarioOptions };
