// Contract checks against docs/openapi.yaml (OpenAPI 3.1), for any test that runs the mock server.
//
//   import { assertContract } from '../support/contract.mjs';
//   const server = await startMockServer(...);
//   ... drive the library (or fetch) against server.url ...
//   const report = await assertContract(server);   // throws an AssertionError listing every problem
//   // report: { requests: 3, responses: 3, skipped: [] }, counts of what was checked
//
// It reads `server.requests` (the mock's request log) and checks, for every recorded request
// except CORS preflights:
//   requests  - the method and path name an operation of the spec; the headers (x-request-id, X-Sdk-Date,
//               ...), the query and the JSON body are valid; the Content-Type is one the operation takes;
//               the credentials the operation needs are there (X-Auth-Token, or Authorization + X-Sdk-Date).
//   responses - the status is declared for the operation (or covered by `default`); the Content-Type is
//               one declared for it; the body and the declared headers are valid; required headers
//               (X-Subject-Token on a 201 from IAM) are there.
// Responses decided by a fault that deliberately breaks the contract (html, truncated, non-json,
// wrong-types, missing-fields, http, reset, hang) are not checked and are listed in `skipped`;
// requests are checked whatever the fault. Secrets are redacted in the log ('***'), which the
// spec's header schemas accept.
//
// Options of assertContract(server, options) and contractProblems(records, options):
//   requests: false           skip request checks (tests that send invalid requests on purpose)
//   responses: false          skip response checks
//   allowUnknownPaths: true   requests to paths or methods the spec lacks are skipped, not problems
//
// Validation is done by openapi-backend (routing, parameters, bodies, response headers) with Ajv's
// JSON Schema 2020-12 dialect, as OpenAPI 3.1 requires; validateSpec() checks the document itself
// with @seriousme/openapi-schema-validator.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { OpenAPIBackend } from "openapi-backend";
import { Validator } from "@seriousme/openapi-schema-validator";

const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;

/** Path of the OpenAPI description. */
export const SPEC_PATH = fileURLToPath(new URL("../../docs/openapi.yaml", import.meta.url));

/** Fault types whose answers are on the contract (the others break it on purpose). */
const ON_CONTRACT_FAULTS = new Set(["latency", "rate-limit", "api-error", "unknown-status", "extra-fields"]);

/**
 * Ajv for OpenAPI 3.1 schemas (JSON Schema 2020-12), with formats and the spec's
 * `x-max-utf16-units` extension (string length in UTF-16 code units, as Java counts).
 */
function ajv2020(_ajv, options) {
  const ajv = new Ajv2020({ ...options, strict: false });
  addFormats(ajv);
  ajv.addKeyword({
    keyword: "x-max-utf16-units",
    type: "string",
    schemaType: "number",
    validate: (max, data) => data.length <= max,
    error: { message: (cxt) => `must be at most ${cxt.schema} UTF-16 code units` },
  });
  return ajv;
}

/**
 * openapi-backend checks documents against the OpenAPI 3.0 schema only; the document is
 * checked against 3.1's by validateSpec() instead, before it is loaded.
 */
class OpenAPI31Backend extends OpenAPIBackend {
  validateDefinition() {
    return this.document;
  }
}

let loaded;
/** The spec, checked, loaded and compiled once per process. @returns {Promise<OpenAPIBackend>} */
function contract() {
  loaded ??= (async () => {
    const checked = await validateSpec();
    assert.ok(
      checked.valid && checked.version === "3.1",
      `${SPEC_PATH} is not valid OpenAPI 3.1: ${JSON.stringify(checked.errors)}`,
    );
    const api = new OpenAPI31Backend({ definition: SPEC_PATH, strict: true, quick: true, customizeAjv: ajv2020 });
    await api.init();
    return api;
  })();
  return loaded;
}

/**
 * Checks docs/openapi.yaml itself against the OpenAPI 3.1 schema.
 * @returns {Promise<{ valid: boolean, version: string, errors?: unknown }>}
 */
export async function validateSpec(path = SPEC_PATH) {
  const validator = new Validator();
  const result = await validator.validate(path);
  return { ...result, version: validator.version };
}

/** The media type of a Content-Type value, lower-case, without parameters. */
const mediaType = (value) =>
  String(Array.isArray(value) ? value[0] : (value ?? ""))
    .split(";")[0]
    .trim()
    .toLowerCase();

/** The response object declared for a status: exact, then `4XX`-style, then `default`. */
function declaredResponse(operation, status) {
  const responses = operation.responses ?? {};
  return responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
}

/** Ajv errors as one line each. */
const describe = (errors) => (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");

/** Problems with one request, as strings. */
function requestProblems(api, operation, record) {
  const problems = [];
  const req = {
    method: record.method,
    path: record.path,
    query: record.query,
    headers: record.headers,
    body: record.body,
  };
  const result = api.validateRequest(req, operation);
  if (!result.valid) problems.push(`request invalid: ${describe(result.errors)}`);
  const content = operation.requestBody?.content;
  if (content && !Object.hasOwn(content, mediaType(record.headers["content-type"]))) {
    problems.push(
      `request Content-Type ${JSON.stringify(record.headers["content-type"])} is not one of ${Object.keys(content).join(", ")}`,
    );
  }
  const requirements = operation.security ?? api.definition.security ?? [];
  const schemes = api.definition.components?.securitySchemes ?? {};
  const present = (name) => {
    const { in: where, name: header } = schemes[name];
    return (
      where === "header" &&
      typeof record.headers[header.toLowerCase()] === "string" &&
      record.headers[header.toLowerCase()] !== ""
    );
  };
  if (requirements.length > 0 && !requirements.some((req) => Object.keys(req).every(present))) {
    problems.push(
      `request lacks credentials: needs one of ${requirements.map((r) => Object.keys(r).join(" + ")).join(" | ")}`,
    );
  }
  return problems;
}

/** Problems with one response, as strings. */
function responseProblems(api, operation, response) {
  const declared = declaredResponse(operation, response.status);
  if (!declared) return [`response status ${response.status} is not declared`];
  const problems = [];
  const type = mediaType(response.headers["content-type"]);
  if (declared.content && !Object.hasOwn(declared.content, type)) {
    problems.push(
      `response Content-Type ${JSON.stringify(type)} is not one of ${Object.keys(declared.content).join(", ")}`,
    );
  } else if (declared.content) {
    const body = api.validateResponse(response.body, operation, response.status);
    if (!body.valid) problems.push(`response body invalid: ${describe(body.errors)}`);
  }
  const headers = api.validateResponseHeaders(response.headers, operation, {
    statusCode: response.status,
    setMatchType: "any",
  });
  if (!headers.valid) problems.push(`response headers invalid: ${describe(headers.errors)}`);
  for (const [name, header] of Object.entries(declared.headers ?? {})) {
    if (header.required && response.headers[name.toLowerCase()] === undefined)
      problems.push(`response lacks header ${name}`);
  }
  return problems;
}

/**
 * Checks recorded requests and responses against the spec, without throwing.
 * @param {readonly object[]} records `server.requests` of a mock server
 * @param {{ requests?: boolean, responses?: boolean, allowUnknownPaths?: boolean }} [options]
 * @returns {Promise<{ problems: string[], requests: number, responses: number, skipped: string[] }>}
 */
export async function contractProblems(records, { requests = true, responses = true, allowUnknownPaths = false } = {}) {
  const api = await contract();
  const report = { problems: [], requests: 0, responses: 0, skipped: [] };
  records.forEach((record, index) => {
    const label = `#${index} ${record.method} ${record.path}`;
    if (record.method === "OPTIONS") return;
    const operation = api.matchOperation({ method: record.method, path: record.path, headers: {} });
    if (!operation) {
      if (allowUnknownPaths) report.skipped.push(`${label}: not in the spec`);
      else report.problems.push(`${label}: no operation in the spec`);
      return;
    }
    if (requests) {
      report.requests += 1;
      for (const problem of requestProblems(api, operation, record)) report.problems.push(`${label}: ${problem}`);
    }
    if (!responses) return;
    if (!record.response) report.skipped.push(`${label}: no response${record.fault ? ` (${record.fault})` : ""}`);
    else if (record.fault && !ON_CONTRACT_FAULTS.has(record.fault))
      report.skipped.push(`${label}: fault ${record.fault}`);
    else {
      report.responses += 1;
      for (const problem of responseProblems(api, operation, record.response)) {
        report.problems.push(`${label} → ${record.response.status}: ${problem}`);
      }
    }
  });
  return report;
}

/**
 * Asserts that every request a mock server recorded, and every response it sent, conforms to
 * docs/openapi.yaml (see the top of this file for what is checked and the options).
 * @param {{ requests: readonly object[] }} server a mock server (from startMockServer)
 * @param {{ requests?: boolean, responses?: boolean, allowUnknownPaths?: boolean }} [options]
 * @returns {Promise<{ requests: number, responses: number, skipped: string[] }>} what was checked
 * @throws {assert.AssertionError} listing every problem
 */
export async function assertContract(server, options) {
  const { problems, ...counts } = await contractProblems(server.requests, options);
  assert.deepEqual(problems, [], `requests or responses off the contract (docs/openapi.yaml):\n${problems.join("\n")}`);
  return counts;
}
