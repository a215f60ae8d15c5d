// The demo console: plain DOM code on top of the package's public API, loaded
// from the built package exactly as an application page would load it.
import { batchStatus, waitPrepared, KooPhoneError } from "../pkg/index.mjs";
import { $, element, loadConfig } from "./page.js";

/** The connection options every call shares: no token, the same-origin proxy adds it. */
function connection() {
  const endpoint = $("endpoint").value.trim();
  return endpoint ? { endpoint } : {};
}

/** The IDs text area: one per line or comma separated, blanks ignored. */
function parseIds(text) {
  return text.split(/[\s,;]+/).filter(Boolean);
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** A first line in plain words for each error code; the library's message follows it. */
const HEADLINES = {
  INVALID_ARGUMENT: "Please check the form.",
  NETWORK: "KooPhone could not be reached.",
  TIMEOUT: "KooPhone took too long to answer.",
  ABORTED: "Cancelled: the wait was stopped.",
  HTTP: "KooPhone refused the request.",
  API: "KooPhone reported an error.",
  BAD_RESPONSE: "KooPhone sent an answer this page does not understand.",
  PREPARE_FAILED: "The instance could not be prepared.",
  WAIT_TIMEOUT: "The instance was not ready in time.",
  AUTH: "No usable credentials for KooPhone.",
  REDIRECT: "KooPhone answered with a redirect, which is never followed: check the endpoint.",
  INTERNAL: "Something went wrong inside the library.",
};

/** An error in plain words: what happened, its code, and the request ID for support. */
function errorBox(error) {
  const box = element("div", { className: "error" });
  if (error instanceof KooPhoneError) {
    box.dataset.code = error.code;
    box.append(element("strong", { className: "headline" }, HEADLINES[error.code] ?? "The request failed."));
    box.append(element("p", { className: "message" }, sentence(error.message)));
    const facts = element("dl", { className: "facts" });
    const fact = (term, value) =>
      facts.append(element("div", {}, element("dt", {}, `${term}:`), element("dd", {}, element("code", {}, value))));
    fact("Code", error.code);
    if (error.httpStatus) fact("HTTP status", String(error.httpStatus));
    if (error.errorCode) fact("Server code", error.errorCode);
    if (error.requestId) fact("Request ID", error.requestId);
    box.append(facts);
    if (error.retryable) box.append(element("p", { className: "hint" }, "This may succeed if you try again later."));
  } else {
    box.append(
      element("strong", { className: "headline" }, "Unexpected error."),
      element("p", {}, String(error?.message ?? error)),
    );
  }
  return box;
}

/** The library's messages start in lower case; show them as a sentence. */
function sentence(text) {
  const s = String(text);
  // Capitalise a plain first word only: "instanceIds is empty" names a parameter.
  const first = /^[a-z]+(?=[\s,;:]|$)/.test(s) ? s.charAt(0).toUpperCase() + s.slice(1) : s;
  return first + (/[.!?)]$/.test(s) ? "" : ".");
}

const badge = (state) => element("span", { className: `badge state-${state}`, dataset: { state } }, state);

// ---------------------------------------------------------------- status table

async function checkStatus(event) {
  event.preventDefault();
  const output = $("status-output");
  const button = $("check");
  button.disabled = true;
  output.setAttribute("aria-busy", "true");
  output.replaceChildren(element("p", { className: "hint" }, "Checking…"));
  const started = performance.now();
  try {
    const ids = parseIds($("ids").value);
    const result = await batchStatus(ids, connection());
    const took = Math.round(performance.now() - started);
    const rows = result.statuses.map((s) =>
      element(
        "tr",
        { dataset: { id: s.instanceId } },
        element("th", { scope: "row" }, element("code", {}, s.instanceId)),
        element("td", {}, badge(s.state)),
        element("td", { className: "num" }, String(s.status)),
      ),
    );
    const table = element(
      "table",
      { id: "status-table" },
      element("caption", { className: "visually-hidden" }, "Status of each instance the server reported"),
      element(
        "thead",
        {},
        element(
          "tr",
          {},
          element("th", { scope: "col" }, "Instance"),
          element("th", { scope: "col" }, "State"),
          element("th", { scope: "col", className: "num" }, "Status code"),
        ),
      ),
      element("tbody", {}, ...rows),
    );
    const asked = result.statuses.length + result.missing.length;
    const summary = element(
      "p",
      { className: "summary", id: "status-summary" },
      `${result.statuses.length} of ${asked} instance${asked === 1 ? "" : "s"} reported`,
      ` · ${result.requestIds.length} request${result.requestIds.length === 1 ? "" : "s"} · ${took} ms`,
    );
    output.replaceChildren(summary);
    if (rows.length) output.append(table);
    if (result.missing.length) {
      output.append(
        element(
          "div",
          { className: "missing", id: "missing" },
          element("strong", {}, `Not reported by the server (${result.missing.length}): `),
          element("ul", {}, ...result.missing.map((id) => element("li", {}, element("code", {}, id)))),
        ),
      );
    }
  } catch (error) {
    output.replaceChildren(errorBox(error));
  } finally {
    output.setAttribute("aria-busy", "false");
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- preparation

let controller = null;

/** The live summary of the latest reading: state, waitingCount, poll number, elapsed time. */
function progressSummary(p, heading) {
  const facts = element("dl", { className: "reading" });
  const fact = (term, ...value) =>
    facts.append(element("div", {}, element("dt", {}, `${term}:`), element("dd", {}, ...value)));
  fact("State", badge(p.state));
  fact("Waiting count", p.waitingCount === null ? "—" : String(p.waitingCount));
  fact("Poll", String(p.attempt));
  fact("Elapsed", seconds(p.elapsedMs));
  return element(
    "div",
    { className: "progress-now", dataset: { state: p.state } },
    element("p", { className: "progress-heading" }, heading),
    facts,
  );
}

async function waitUntilPrepared(event) {
  event.preventDefault();
  if (controller) return;
  const status = $("progress");
  const log = $("progress-log");
  controller = new AbortController();
  $("wait").disabled = true;
  $("cancel").disabled = false;
  log.replaceChildren();
  status.replaceChildren(element("p", { className: "hint" }, "Asking for the first reading…"));
  const request = { userId: $("user-id").value.trim(), instanceId: $("instance-id").value.trim() };
  try {
    const done = await waitPrepared(request, {
      ...connection(),
      minDelayMs: 500,
      maxDelayMs: 4000,
      maxWaitMs: 120_000,
      signal: controller.signal,
      onProgress: (p) => {
        status.replaceChildren(progressSummary(p, `Waiting for ${request.instanceId}…`));
        const waiting = p.waitingCount === null ? "" : `, waitingCount ${p.waitingCount}`;
        log.append(
          element(
            "li",
            { dataset: { state: p.state } },
            badge(p.state),
            ` poll ${p.attempt}${waiting}, at ${seconds(p.elapsedMs)}`,
          ),
        );
      },
    });
    const box = progressSummary(
      done,
      `Prepared: ${request.instanceId} is ready after ${done.attempt} poll${done.attempt === 1 ? "" : "s"}, ${seconds(done.elapsedMs)}.`,
    );
    box.id = "prepared";
    box.classList.add("ok");
    status.replaceChildren(box);
  } catch (error) {
    status.replaceChildren(errorBox(error));
  } finally {
    const hadFocus = document.activeElement === $("cancel");
    controller = null;
    $("wait").disabled = false;
    $("cancel").disabled = true;
    if (hadFocus) $("wait").focus();
  }
}

/** Demo mode only: restart the mock's preparation scripts (they advance per request). */
async function replay() {
  const button = $("replay");
  button.disabled = true;
  try {
    const response = await fetch(replayUrl, { method: "POST" });
    $("progress").replaceChildren(
      element(
        "p",
        { className: "hint", id: "replayed" },
        response.ok
          ? "The mock's preparation scripts start again from their first step."
          : `Could not restart them (HTTP ${response.status}).`,
      ),
    );
    $("progress-log").replaceChildren();
  } catch (error) {
    $("progress").replaceChildren(errorBox(error));
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- pre-fill

let replayUrl = null;

/**
 * Pre-fill from config.json when the demo server provides one (scripts/demo.sh does),
 * then from the query string (?endpoint=&ids=&userId=&instanceId=). The page holds no
 * token: its server's proxy (koophone-wasm/proxy) adds it.
 */
async function prefill() {
  // Without a demo server the fields stay empty for the user to fill in.
  const config = await loadConfig();
  const query = new URLSearchParams(location.search);
  const pick = (name) => query.get(name) ?? config[name];
  $("endpoint").value = pick("endpoint") ?? "";
  const ids = query.has("ids") ? parseIds(query.get("ids")) : (config.instanceIds ?? []);
  $("ids").value = ids.join("\n");
  $("user-id").value = pick("userId") ?? "";
  $("instance-id").value = pick("instanceId") ?? "";
  $("config-hint").textContent = config.note ?? "";
  if (typeof config.replay === "string") {
    replayUrl = new URL(config.replay, location.href).href;
    $("replay").hidden = false;
  }
}

$("connection-form").addEventListener("submit", (event) => event.preventDefault());
$("status-form").addEventListener("submit", checkStatus);
$("prepare-form").addEventListener("submit", waitUntilPrepared);
$("cancel").addEventListener("click", () => controller?.abort());
$("replay").addEventListener("click", replay);
prefill().finally(() => {
  document.body.dataset.ready = "true";
});
