// The demo console: plain DOM code on top of the package's public API.
import { batchStatus, waitPrepared, KooPhoneError } from "../pkg/index.mjs";

const $ = (id) => document.getElementById(id);

/** The connection options every call shares. */
function connection() {
  const endpoint = $("endpoint").value.trim();
  return { token: $("token").value, ...(endpoint ? { endpoint } : {}) };
}

/** Parse the IDs text area: one per line or comma separated. */
function parseIds(text) {
  return text.split(/[\s,]+/).filter(Boolean);
}

function element(tag, { dataset, ...props } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
}

/** An error in plain words: what happened, its code, and the request ID for support. */
function errorBox(error) {
  const box = element("div", { className: "error", role: "alert" });
  if (error instanceof KooPhoneError) {
    box.append(element("strong", {}, error.message));
    const facts = [`code ${error.code}`];
    if (error.httpStatus) facts.push(`HTTP ${error.httpStatus}`);
    if (error.errorCode) facts.push(`server code ${error.errorCode}`);
    if (error.requestId) facts.push(`request ID ${error.requestId}`);
    if (error.retryable) facts.push("may succeed if tried again");
    box.append(element("div", { className: "facts" }, facts.join(" · ")));
    box.dataset.code = error.code;
  } else {
    box.append(element("strong", {}, String(error)));
  }
  return box;
}

function badge(state) {
  return element("span", { className: `badge state-${state}` }, state);
}

async function checkStatus(event) {
  event.preventDefault();
  const output = $("status-output");
  const button = $("check");
  button.disabled = true;
  output.replaceChildren(element("p", { className: "hint" }, "Checking…"));
  try {
    const ids = parseIds($("ids").value);
    const result = await batchStatus(ids, connection());
    const rows = result.statuses.map((s) =>
      element("tr", { dataset: { id: s.instanceId } },
        element("td", {}, element("code", {}, s.instanceId)),
        element("td", {}, badge(s.state)),
        element("td", { className: "num" }, String(s.status))),
    );
    const table = element("table", { id: "status-table" },
      element("thead", {}, element("tr", {},
        element("th", { scope: "col" }, "Instance"),
        element("th", { scope: "col" }, "State"),
        element("th", { scope: "col", className: "num" }, "Status"))),
      element("tbody", {}, ...rows));
    const summary = element("p", { className: "hint" },
      `${result.statuses.length} reported in ${result.requestIds.length} request(s).`);
    output.replaceChildren(summary, table);
    if (result.missing.length) {
      output.append(element("div", { className: "missing", id: "missing" },
        element("strong", {}, "Not reported by the server: "),
        ...result.missing.map((id) => element("code", {}, id))));
    }
  } catch (error) {
    output.replaceChildren(errorBox(error));
  } finally {
    button.disabled = false;
  }
}

let controller = null;

async function waitUntilPrepared(event) {
  event.preventDefault();
  const status = $("progress");
  const log = $("progress-log");
  controller = new AbortController();
  $("wait").disabled = true;
  $("cancel").disabled = false;
  log.replaceChildren();
  status.replaceChildren(element("p", { className: "hint" }, "Polling…"));
  const request = { userId: $("user-id").value.trim(), instanceId: $("instance-id").value.trim() };
  try {
    const done = await waitPrepared(request, {
      ...connection(),
      minDelayMs: 500,
      maxDelayMs: 4000,
      maxWaitMs: 120_000,
      signal: controller.signal,
      onProgress: (p) => {
        const waiting = p.waitingCount === null ? "" : `, waitingCount ${p.waitingCount}`;
        const seconds = (p.elapsedMs / 1000).toFixed(1);
        status.replaceChildren(element("p", {}, "Current: ", badge(p.state),
          ` (poll ${p.attempt}${waiting}, ${seconds} s)`));
        log.append(element("li", { dataset: { state: p.state } },
          badge(p.state), ` poll ${p.attempt}${waiting} at ${seconds} s`));
      },
    });
    status.replaceChildren(element("p", { className: "ok", id: "prepared" },
      "Prepared: ", badge(done.state), ` after ${done.attempt} poll(s), ${(done.elapsedMs / 1000).toFixed(1)} s.`));
  } catch (error) {
    status.replaceChildren(errorBox(error));
  } finally {
    controller = null;
    $("wait").disabled = false;
    $("cancel").disabled = true;
  }
}

/** Pre-fill from config.json when the demo server provides one (scripts/demo.sh does). */
async function prefill() {
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    if (!response.ok) return;
    const config = await response.json();
    $("endpoint").value = config.endpoint ?? "";
    $("token").value = config.token ?? "";
    $("ids").value = (config.instanceIds ?? []).join("\n");
    $("user-id").value = config.userId ?? "";
    $("instance-id").value = config.instanceId ?? "";
    $("config-hint").textContent = config.note ?? "";
  } catch {
    // No config: the fields stay empty for the user to fill in.
  }
}

$("connection-form").addEventListener("submit", (event) => event.preventDefault());
$("status-form").addEventListener("submit", checkStatus);
$("prepare-form").addEventListener("submit", waitUntilPrepared);
$("cancel").addEventListener("click", () => controller?.abort());
await prefill();
document.body.dataset.ready = "true";
