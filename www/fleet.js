// The fleet console: watchStatus over the demo fleet with per-state counts, changed rows
// highlighted and a change log; waitForState and waitPreparedAll for the selected rows; an
// outage banner that keeps the last known states. Plain DOM code on the public API.
import { createClient, KooPhoneError } from "../pkg/index.mjs";
import { $, element, loadConfig } from "./page.js";

const badge = (state) => element("span", { className: `badge state-${state}`, dataset: { state } }, state);
const time = (ms) => new Date(ms).toLocaleTimeString();
const STATES = ["running", "starting", "stopped", "offline", "shutdown", "unknown", "unrecognized"];

let config = {};
let client = null;
let requests = 0;
let watch = null;
/** instanceId -> { state, status } as last known. */
const known = new Map();

/** Where and how to reach KooPhone: the demo server's same-origin proxy, which adds the token (the page has none). */
function connection() {
  return { endpoint: config.endpoint };
}

function fleetClient() {
  client ??= createClient({
    ...connection(),
    rateLimit: { requestsPerSecond: 20 },
    maxConcurrentRequests: 4,
    hooks: { onRequest: () => void requests++ },
  });
  return client;
}

const selected = () => [...document.querySelectorAll("#fleet-table tbody input:checked")].map((box) => box.value);

function row(id) {
  return document.querySelector(`#fleet-table tbody tr[data-id="${CSS.escape(id)}"]`);
}

function renderRow(id, changed) {
  const status = known.get(id);
  const cells = [
    element("td", {}, element("input", { type: "checkbox", value: id, ariaLabel: `Select ${id}` })),
    element("th", { scope: "row" }, element("code", {}, id)),
    element("td", {}, status ? badge(status.state) : element("span", { className: "hint" }, "not reported")),
    element("td", { className: "num" }, status ? String(status.status) : "—"),
  ];
  const existing = row(id);
  const tr = existing ?? element("tr", { dataset: { id } });
  const wasChecked = existing?.querySelector("input")?.checked ?? false;
  tr.replaceChildren(...cells);
  tr.querySelector("input").checked = wasChecked;
  tr.classList.toggle("changed", changed);
  if (!existing) $("fleet-table").tBodies[0].append(tr);
}

function renderCounts() {
  const counts = new Map();
  for (const { state } of known.values()) counts.set(state, (counts.get(state) ?? 0) + 1);
  const missing = config.fleet.instanceIds.length - known.size;
  const items = STATES.filter((s) => counts.has(s)).map((s) =>
    element("li", { dataset: { state: s } }, badge(s), ` ${counts.get(s)}`),
  );
  if (missing) items.push(element("li", { dataset: { state: "missing" } }, `not reported ${missing}`));
  $("counts").replaceChildren(...items);
}

function onEvent(event) {
  const changedIds = new Set(event.changes.map((c) => c.instanceId));
  known.clear();
  for (const s of event.statuses) known.set(s.instanceId, { state: s.state, status: s.status });
  for (const id of config.fleet.instanceIds) renderRow(id, event.round > 1 && changedIds.has(id));
  renderCounts();
  if (event.round > 1) {
    for (const c of event.changes) {
      $("change-log").prepend(
        element(
          "li",
          { dataset: { id: c.instanceId } },
          element("code", {}, c.instanceId),
          " ",
          c.previous ? badge(c.previous.state) : "not reported",
          " → ",
          c.current ? badge(c.current.state) : "not reported",
          ` (round ${event.round}, ${time(event.at)})`,
        ),
      );
    }
  }
  const banner = $("outage");
  if (event.error) {
    banner.hidden = false;
    banner.textContent =
      `KooPhone is not answering (${event.error.code}${event.error.httpStatus ? ` ${event.error.httpStatus}` : ""}). ` +
      `Showing the last known states; retrying with backoff.`;
    $("fleet-table").classList.add("stale");
  } else {
    banner.hidden = true;
    $("fleet-table").classList.remove("stale");
  }
  $("fleet-summary").textContent = `Round ${event.round} at ${time(event.at)} · ${requests} requests sent`;
}

async function startWatching() {
  if (watch) return;
  $("watch").disabled = true;
  $("stop").disabled = false;
  watch = fleetClient().watchStatus(config.fleet.instanceIds, { intervalMs: 1000 });
  try {
    for await (const event of watch) onEvent(event);
  } catch (error) {
    $("outage").hidden = false;
    $("outage").textContent =
      `Watching stopped: ${error instanceof KooPhoneError ? `${error.code}: ` : ""}${error.message}`;
  } finally {
    watch = null;
    $("watch").disabled = false;
    $("stop").disabled = true;
    $("fleet-summary").dataset.stopped = "true";
  }
}

async function waitUntilRunning() {
  const ids = selected();
  const output = $("selection-output");
  if (!ids.length) {
    output.replaceChildren(element("p", { className: "hint" }, "Select instances first."));
    return;
  }
  output.replaceChildren(
    element("p", { className: "hint", id: "wait-status" }, `Waiting for ${ids.length} instances to run…`),
  );
  try {
    const result = await fleetClient().waitForState(ids, "running", {
      intervalMs: 1000,
      maxWaitMs: 60_000,
      failOn: ["shutdown"],
      onProgress: (p) => {
        $("wait-status").textContent =
          `Round ${p.round}: ${p.done.length} of ${ids.length} running; pending ${p.pending.join(", ")}`;
      },
    });
    output.replaceChildren(
      element(
        "p",
        { className: "progress-now ok", id: "wait-done" },
        `All ${result.statuses.length} running after ${result.rounds} rounds (${(result.elapsedMs / 1000).toFixed(1)} s).`,
      ),
    );
  } catch (error) {
    output.replaceChildren(
      element(
        "p",
        { className: "error", id: "wait-failed", dataset: { code: error.code } },
        `${error.code}: ${error.message}`,
      ),
    );
  }
}

async function prepareSelected() {
  const ids = selected();
  const list = $("prepare-list");
  if (!ids.length) {
    $("selection-output").replaceChildren(element("p", { className: "hint" }, "Select instances first."));
    return;
  }
  const items = new Map(
    ids.map((id) => [
      id,
      element("li", { dataset: { id } }, element("code", {}, id), " waiting for the first reading…"),
    ]),
  );
  list.replaceChildren(...items.values());
  const outcomes = await fleetClient().waitPreparedAll(
    ids.map((instanceId) => ({ userId: config.fleet.userId, instanceId })),
    {
      minDelayMs: 500,
      maxWaitMs: 60_000,
      onProgress: (p) => {
        const waiting = p.waitingCount ? `, ${p.waitingCount} ahead` : "";
        items
          .get(p.instanceId)
          ?.replaceChildren(element("code", {}, p.instanceId), " ", badge(p.state), ` poll ${p.attempt}${waiting}`);
      },
    },
  );
  for (const o of outcomes) {
    const item = items.get(o.instanceId);
    item.dataset.outcome = o.ok ? "ok" : "failed";
    item.replaceChildren(
      element("code", {}, o.instanceId),
      " ",
      o.ok ? badge("normal") : badge("failed"),
      o.ok ? ` ready after ${o.progress.attempt} polls` : ` ${o.error.code}: ${o.error.message}`,
    );
  }
}

async function toggleOutage() {
  const button = $("simulate-outage");
  const on = button.getAttribute("aria-pressed") !== "true";
  await fetch(`${new URL(config.fleet.outage, location.href).href}?on=${on ? 1 : 0}`, { method: "POST" });
  button.setAttribute("aria-pressed", String(on));
  button.textContent = on ? "End the outage" : "Simulate an outage";
}

async function load() {
  config = await loadConfig();
  if (!config.fleet) {
    $("fleet-summary").textContent = "This console needs the demo server (scripts/demo.sh) for its fleet and mock.";
    $("watch").disabled = true;
    return;
  }
  for (const id of config.fleet.instanceIds) renderRow(id, false);
  $("simulate-outage").hidden = !config.fleet.outage;
}

$("watch").addEventListener("click", startWatching);
$("stop").addEventListener("click", () => watch?.return());
$("wait-running").addEventListener("click", waitUntilRunning);
$("prepare").addEventListener("click", prepareSelected);
$("simulate-outage").addEventListener("click", toggleOutage);
load().finally(() => {
  document.body.dataset.ready = "true";
});
