// The demo page (www/) in headless Chromium against the mock server, as a user
// would drive it. Screenshots of each state go to results/demo/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startMockServer, loadScenario } from "../../mock/index.mjs";
import { startStaticServer } from "../../scripts/serve.mjs";
import { launchChromium } from "../support/chromium.mjs";

const SHOTS = fileURLToPath(new URL("../../results/demo/", import.meta.url));
const IDS = ["a44uhlf7", "stopped01", "running01", "running02", "prep-fail", "prep-ok", "shutdown01", "mystery07", "ghost001"];

let mock, site, browser, page;
const problems = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const scenario = loadScenario(fileURLToPath(new URL("../../mock/scenarios/demo.json", import.meta.url)));
  mock = await startMockServer({ ...scenario, port: 0 });
  // An instance that keeps queuing, for Cancel.
  mock.setInstance({ id: "prep-slow", status: 4, owner: "demo-user", prepare: [{ status: 1, waitingCount: 40 }] });
  site = await startStaticServer({
    port: 0,
    config: { endpoint: mock.url, token: "demo-token", instanceIds: IDS, userId: "demo-user", instanceId: "prep-ok" },
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1000, height: 1100 } });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  await page.goto(`${site.url}/www/`);
  await page.waitForSelector("body[data-ready=true]");
});

after(async () => {
  await browser?.close();
  await site?.close();
  await mock?.close();
});

test("the page loads pre-filled from the demo config, with no errors", async () => {
  assert.equal(await page.inputValue("#endpoint"), mock.url);
  assert.equal(await page.inputValue("#token"), "demo-token");
  assert.match(await page.inputValue("#ids"), /ghost001/);
  await page.screenshot({ path: `${SHOTS}01-loaded.png`, fullPage: true });
  assert.deepEqual(problems, []);
});

test("Check status shows every state as a badge and the ID the server did not report", async () => {
  await page.click("#check");
  await page.waitForSelector("#status-table");
  const rows = await page.$$eval("#status-table tbody tr", (trs) =>
    trs.map((tr) => [tr.dataset.id, tr.querySelector(".badge").textContent, tr.querySelector(".badge").className]));
  assert.deepEqual(rows.map(([id, state]) => `${id}:${state}`), [
    "a44uhlf7:unknown",
    "stopped01:stopped",
    "running01:running",
    "running02:running",
    "prep-fail:offline",
    "prep-ok:starting",
    "shutdown01:shutdown",
    "mystery07:unrecognized",
  ]);
  assert.ok(rows.every(([, state, cls]) => cls.includes(`state-${state}`)), "each badge is coloured by its state");
  assert.match(await page.textContent("#missing"), /ghost001/);
  await page.screenshot({ path: `${SHOTS}02-status.png`, fullPage: true });
  const sent = mock.requests.filter((r) => r.path.endsWith("batch-query-status") && r.method === "POST");
  assert.equal(sent.length, 1);
  assert.equal(sent[0].headers["x-auth-token"], "***", "the token went in the header (redacted in the mock's log)");
});

test("Wait until prepared shows live progress through queuing to normal", async () => {
  await page.click("#wait");
  await page.waitForSelector("#prepared", { timeout: 20_000 });
  const log = await page.$$eval("#progress-log li", (lis) => lis.map((li) => li.dataset.state));
  assert.deepEqual(log, ["queuing", "queuing", "queuing", "restoring", "normal"]);
  assert.match(await page.textContent("#progress-log"), /waitingCount 3[\s\S]*waitingCount 2[\s\S]*waitingCount 1/);
  assert.match(await page.textContent("#prepared"), /normal after 5 poll/);
  await page.screenshot({ path: `${SHOTS}03-prepared.png`, fullPage: true });
});

test("a failed preparation is reported in plain words with its code and request id", async () => {
  await page.fill("#instance-id", "prep-fail");
  await page.click("#wait");
  const box = await page.waitForSelector("#progress .error", { timeout: 20_000 });
  assert.equal(await box.getAttribute("data-code"), "PREPARE_FAILED");
  const text = await box.textContent();
  assert.match(text, /preparation of instance prep-fail failed/);
  assert.match(text, /request ID [0-9a-f-]{36}/);
  assert.ok(!text.includes("demo-token"));
  await page.screenshot({ path: `${SHOTS}04-failed.png`, fullPage: true });
});

test("Cancel aborts a wait in progress", async () => {
  await page.fill("#instance-id", "prep-slow");
  await page.click("#wait");
  await page.waitForSelector("#progress-log li");
  await page.click("#cancel");
  const box = await page.waitForSelector("#progress .error", { timeout: 5_000 });
  assert.equal(await box.getAttribute("data-code"), "ABORTED");
  assert.equal(await page.isDisabled("#cancel"), true);
  await page.screenshot({ path: `${SHOTS}05-cancelled.png`, fullPage: true });
});

test("errors such as a wrong token are shown with code and HTTP status, never the token", async () => {
  await page.fill("#token", "wrong-token-value");
  await page.click("#check");
  const box = await page.waitForSelector("#status-output .error");
  const text = await box.textContent();
  assert.match(text, /code HTTP · HTTP 401 · server code KOOPHONE\.API\.1002/);
  assert.ok(!text.includes("wrong-token-value"));
  await page.screenshot({ path: `${SHOTS}06-error.png`, fullPage: true });
  assert.deepEqual(problems.filter((p) => !p.includes("401")), [], "no page errors");
});
