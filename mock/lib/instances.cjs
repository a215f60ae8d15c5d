"use strict";
/**
 * Instances: checking their descriptions, and their batch status over time. An instance's status
 * is fixed, follows a timeline (changes at given times), or cycles through a list; times count
 * from the instance's epoch (server start, `setInstance`, or `resetInstances`).
 */

/** Fields an instance description may hold. */
const INSTANCE_KEYS = ["id", "status", "owner", "prepare", "statusTimeline", "statusCycle"];

/** @param {unknown} v */
const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
/** @param {unknown} v */
const isNonEmptyString = (v) => typeof v === "string" && v !== "";
/** @param {unknown} v */
const isTime = (v) => Number.isFinite(v) && /** @type {number} */ (v) >= 0;

/**
 * @typedef {object} TimelineStep
 * @property {number} atMs from this many ms after the epoch on...
 * @property {number} status ...the instance reports this status
 * @typedef {object} StatusCycle
 * @property {number[]} statuses reported in turn, each for `stepMs`, then from the first again
 * @property {number} stepMs
 * @typedef {object} InstanceState
 * @property {string} id
 * @property {number | undefined} status fixed status, or the one before the timeline's first step
 * @property {string} [owner] user allowed to query its preparation; anyone when absent
 * @property {Array<{status: number, waitingCount: number}>} [prepare] preparation script
 * @property {TimelineStep[]} [statusTimeline]
 * @property {StatusCycle} [statusCycle]
 * @property {number} step how many prepare-progress calls this instance has answered
 * @property {number} epoch clock time its timeline or cycle counts from
 */

/**
 * Checks an instance description and returns its fresh state (preparation not started).
 * @param {unknown} input `{ id, status?, owner?, prepare?, statusTimeline?, statusCycle? }`
 * @param {number} epoch clock time its timeline starts at
 * @returns {InstanceState}
 * @throws {TypeError}
 */
function toInstanceState(input, epoch) {
  if (!isPlainObject(input)) throw new TypeError("An instance must be an object like { id, status }.");
  const inst = /** @type {Record<string, any>} */ (input);
  const label = `Instance ${JSON.stringify(inst.id)}`;
  if (!isNonEmptyString(inst.id)) throw new TypeError('An instance needs a non-empty string "id".');
  const unknown = Object.keys(inst).find((key) => !INSTANCE_KEYS.includes(key));
  if (unknown) throw new TypeError(`${label}: unknown field "${unknown}".`);
  if (inst.status !== undefined && !Number.isInteger(inst.status)) {
    throw new TypeError(`${label}: "status" must be an integer.`);
  }
  if (inst.owner !== undefined && !isNonEmptyString(inst.owner)) {
    throw new TypeError(`${label}: "owner" must be a non-empty string.`);
  }
  if (inst.prepare !== undefined && !isPrepareScript(inst.prepare)) {
    throw new TypeError(`${label}: "prepare" must be a non-empty array of { status, waitingCount } integers.`);
  }
  checkStatusSource(inst, label);
  return {
    id: inst.id,
    status: inst.status,
    owner: inst.owner,
    prepare: inst.prepare?.map((s) => ({ status: s.status, waitingCount: s.waitingCount })),
    statusTimeline: inst.statusTimeline?.map((s) => ({ atMs: s.atMs, status: s.status })),
    statusCycle: inst.statusCycle && { statuses: [...inst.statusCycle.statuses], stepMs: inst.statusCycle.stepMs },
    step: 0,
    epoch,
  };
}

/**
 * Checks that the instance's status is defined at every time: a fixed `status`, a
 * `statusTimeline` (with `status` for the time before its first step unless that is at 0), or a
 * `statusCycle` (then without `status`).
 * @param {Record<string, any>} inst
 * @param {string} label
 * @throws {TypeError}
 */
function checkStatusSource(inst, label) {
  const { status, statusTimeline: timeline, statusCycle: cycle } = inst;
  if (timeline !== undefined && cycle !== undefined) {
    throw new TypeError(`${label}: give "statusTimeline" or "statusCycle", not both.`);
  }
  if (timeline !== undefined) {
    if (!isTimeline(timeline)) {
      throw new TypeError(
        `${label}: "statusTimeline" must be a non-empty array of { atMs, status } with atMs >= 0 increasing and integer statuses.`,
      );
    }
    if (status === undefined && timeline[0].atMs !== 0) {
      throw new TypeError(`${label}: "status" is needed for the time before the first "statusTimeline" step.`);
    }
  } else if (cycle !== undefined) {
    if (!isCycle(cycle)) {
      throw new TypeError(
        `${label}: "statusCycle" must be { statuses: a non-empty array of integers, stepMs: a number > 0 }.`,
      );
    }
    if (status !== undefined)
      throw new TypeError(`${label}: "status" has no meaning with "statusCycle"; leave it out.`);
  } else if (status === undefined) {
    throw new TypeError(`${label}: "status" must be an integer.`);
  }
}

/** @param {unknown} timeline */
function isTimeline(timeline) {
  return (
    Array.isArray(timeline) &&
    timeline.length > 0 &&
    timeline.every(
      (s, i) =>
        isPlainObject(s) &&
        Object.keys(s).every((k) => k === "atMs" || k === "status") &&
        isTime(s.atMs) &&
        Number.isInteger(s.status) &&
        (i === 0 || s.atMs > timeline[i - 1].atMs),
    )
  );
}

/** @param {unknown} cycle */
function isCycle(cycle) {
  if (!isPlainObject(cycle)) return false;
  const c = /** @type {Record<string, any>} */ (cycle);
  return (
    Object.keys(c).every((k) => k === "statuses" || k === "stepMs") &&
    Array.isArray(c.statuses) &&
    c.statuses.length > 0 &&
    c.statuses.every(Number.isInteger) &&
    Number.isFinite(c.stepMs) &&
    c.stepMs > 0
  );
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
 * The batch status an instance reports at clock time `nowMs`.
 * @param {InstanceState} instance
 * @param {number} nowMs
 * @returns {number}
 */
function statusAt(instance, nowMs) {
  const elapsed = Math.max(0, nowMs - instance.epoch);
  const { statusCycle: cycle, statusTimeline: timeline } = instance;
  if (cycle) return cycle.statuses[Math.floor(elapsed / cycle.stepMs) % cycle.statuses.length];
  let status = /** @type {number} */ (instance.status);
  for (const step of timeline ?? []) {
    if (step.atMs > elapsed) break;
    status = step.status;
  }
  return status;
}

/**
 * Puts an instance back at its start: preparation script at its first step, timeline at 0.
 * @param {InstanceState} instance
 * @param {number} epoch
 */
function restartInstance(instance, epoch) {
  instance.step = 0;
  instance.epoch = epoch;
}

module.exports = { toInstanceState, statusAt, restartInstance };
