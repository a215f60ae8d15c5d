"use strict";
/**
 * The IAM endpoint `POST /v3/auth/tokens` (password authentication, project scope), enough for a
 * client to obtain the project-scoped token KooPhone takes. Tokens it issues go into the
 * gateway's token book and expire after the configured lifetime.
 */
const { createHash, randomBytes } = require("node:crypto");
const { jsonReply } = require("./replies.cjs");

/** Path of the IAM token endpoint. */
const IAM_TOKENS_PATH = "/v3/auth/tokens";

/** Bytes of randomness in an issued token; real IAM tokens are a few kilobytes long too. */
const TOKEN_BYTES = 1536;

/**
 * @typedef {import('./replies.cjs').Reply} Reply
 * @typedef {object} IamUser
 * @property {string} domainName
 * @property {string} userName
 * @property {string} password
 * @property {string} [projectName] a scope by name must name this project; any name when absent
 * @property {string} [projectId] a scope by ID must name this project; any ID when absent
 * @typedef {object} IamContext
 * @property {readonly IamUser[]} users
 * @property {number} tokenLifetimeMs
 * @property {boolean} echoPassword a 401 quotes the password back (to test a client's redaction)
 * @property {() => number} clock
 * @property {import('./gateway.cjs').TokenBook} tokens where issued tokens go
 * @typedef {object} IamRequest
 * @property {import('node:http').IncomingHttpHeaders} headers
 * @property {string} rawQuery
 * @property {string} text
 */

/**
 * An IAM error in its keystone shape `{"error":{"code","title","message"}}`.
 * @param {number} code
 * @param {string} title
 * @param {string} message
 * @param {string[]} [secrets] text in the body that the request log must not show
 * @returns {Reply}
 */
function iamError(code, title, message, secrets) {
  const reply = jsonReply(code, { error: { code, title, message } });
  return secrets ? { ...reply, secrets } : reply;
}

/** @param {string} message @returns {Reply} */
const iamBadRequest = (message) => iamError(400, "Bad Request", message);

/** A stable 32-hex-digit ID derived from names, like IAM's IDs. @param {...string} parts */
const derivedId = (...parts) => createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32);

/** IAM's time format: ISO 8601 with microseconds, `2020-01-04T09:05:22.701000Z`. @param {number} ms */
const iamTime = (ms) => new Date(ms).toISOString().replace(/Z$/, "000Z");

/** @param {unknown} v */
const isText = (v) => typeof v === "string" && v !== "";

/**
 * Reads the password-scoped request body.
 * @param {unknown} body
 * @returns {{ user: { name: string, password: string, domain: string }, project: { name?: string, id?: string } } | string}
 *   the credentials, or what is wrong with the body
 */
function readTokenRequest(body) {
  const auth = /** @type {any} */ (body)?.auth;
  const identity = auth?.identity;
  if (!Array.isArray(identity?.methods) || !identity.methods.includes("password")) {
    return 'auth.identity.methods must include "password".';
  }
  const user = identity.password?.user;
  if (!isText(user?.name) || typeof user?.password !== "string" || !isText(user?.domain?.name)) {
    return "auth.identity.password.user needs name, password and domain.name.";
  }
  const project = auth.scope?.project;
  if (!isText(project?.name) && !isText(project?.id)) return "auth.scope.project needs a name or an id.";
  return {
    user: { name: user.name, password: user.password, domain: user.domain.name },
    project: isText(project.id) ? { id: project.id } : { name: project.name },
  };
}

/**
 * `POST /v3/auth/tokens`: 201 with the token in `X-Subject-Token` and its expiry in the body.
 * @param {IamRequest} req
 * @param {IamContext} ctx
 * @returns {Reply}
 */
function handleIamTokens(req, ctx) {
  if (!/^application\/json\s*(;|$)/i.test(req.headers["content-type"] || "")) {
    return iamBadRequest("Content-Type must be application/json.");
  }
  let body;
  try {
    body = JSON.parse(req.text);
  } catch {
    return iamBadRequest("The request body is not valid JSON.");
  }
  const asked = readTokenRequest(body);
  if (typeof asked === "string") return iamBadRequest(asked);
  const user = ctx.users.find((u) => u.domainName === asked.user.domain && u.userName === asked.user.name);
  if (!user || user.password !== asked.user.password) {
    const message = "The username or password is wrong.";
    if (!ctx.echoPassword || asked.user.password === "") return iamError(401, "Unauthorized", message);
    const echoed = `${message} Password given: "${asked.user.password}".`;
    return iamError(401, "Unauthorized", echoed, [asked.user.password]);
  }
  const scopeOk =
    asked.project.id !== undefined
      ? user.projectId === undefined || user.projectId === asked.project.id
      : user.projectName === undefined || user.projectName === asked.project.name;
  if (!scopeOk) return iamError(401, "Unauthorized", "The user has no access to the requested project.");
  return issueToken(user, asked.project, /(^|&)nocatalog=true(&|$)/.test(req.rawQuery), ctx);
}

/**
 * Issues a token for a user and a project scope.
 * @param {IamUser} user
 * @param {{ name?: string, id?: string }} scope
 * @param {boolean} noCatalog
 * @param {IamContext} ctx
 * @returns {Reply}
 */
function issueToken(user, scope, noCatalog, ctx) {
  const now = ctx.clock();
  const expiresAt = now + ctx.tokenLifetimeMs;
  const token = `MII${randomBytes(TOKEN_BYTES).toString("base64url")}`;
  ctx.tokens.issue(token, expiresAt);
  const projectName = scope.name ?? user.projectName ?? `project-${scope.id}`;
  const domain = { id: derivedId("domain", user.domainName), name: user.domainName };
  const body = {
    token: {
      expires_at: iamTime(expiresAt),
      issued_at: iamTime(now),
      methods: ["password"],
      project: { domain, id: scope.id ?? user.projectId ?? derivedId("project", projectName), name: projectName },
      user: {
        domain,
        id: derivedId("user", user.domainName, user.userName),
        name: user.userName,
        password_expires_at: "",
      },
      ...(noCatalog ? {} : { catalog: [] }),
    },
  };
  return jsonReply(201, body, { "x-subject-token": token });
}

module.exports = { IAM_TOKENS_PATH, handleIamTokens, iamTime };
