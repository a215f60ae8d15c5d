// The fleet console (www/fleet.html) in headless Chromium against the mock: live status with
// counts, highlighted changes and a change log, an outage banner that keeps the last known
// states, "wait until running" and "prepare" for a selection. The mock runs on a clock the
// test moves, so every change happens when the test says. Screenshots go to results/demo/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startMockServer, loadScenario } from "../../mock/index.mjs";
import { startStaticServer, demoConfig, demoProxy, addFleet } from "../../scripts/serve.mjs";
import { launchChromium } from "../support/chromium.mjs";

const SHOTS = fileURLToPath(new URL("../../results/demo/", import.meta.url));
const scenarioFile = (name) => fileURLToPath(new URL(`../../mock/scenarios/${name}.json`, import.meta.url));

let mock, site, browser, page;
const clock = { now: 0 };
const problems = [];

const shot = (name) => page.screenshot({ path: `${SHOTS}fleet-${name}.png`, fullPage: true });
const batchRequests = () =>
  mock.requests.filter((r) => r.path.endsWith("batch-query-status") && r.method === "POST").length;
const stateOf = (id) => page.$eval(`#fleet-table tr[data-id="${id}"] .badge`, (b) => b.textContent);
const counts = () =>
  page.$$eval("#counts li", (lis) => Object.fromEntries(lis.map((li) => [li.dataset.state, li.textContent.trim()])));

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const scenario = loadScenario(scenarioFile("demo"));
  mock = await startMockServer({ ...scenario, port: 0, clock: () => clock.now });
  const fleet = addFleet(mock, loadScenario(scenarioFile("fleet")));
  site = await startStaticServer({
    port: 0,
    config: { ...demoConfig(scenario, mock.url), fleet: fleet.fleet },
    onOutage: fleet.onOutage,
    // The page has no token: the demo server's proxy adds it, as in scripts/serve.mjs.
    proxy: await demoProxy(scenario, mock.url),
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1000, height: 1100 } });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  // The simulated outage's 503s are logged by Chromium as failed loads; anything else is a problem.
  page.on(
    "console",
    (m) => m.type() === "error" && !/status of 503/.test(m.text()) && problems.push(`console: ${m.text()}`),
  );
  page.setDefaultTimeout(15_000);
  await page.goto(`${site.url}/www/fleet.html`);
  await page.waitForSelector("body[data-ready=true]");
});

after(async () => {
  await browser?.close();
  await site?.close();
  await mock?.close();
});

test("watching the fleet: every instance with its state and counts per state", async () => {
  await page.getByRole("button", { name: "Start watching" }).click();
  await page.waitForSelector("#fleet-table tr[data-id=steady01] .badge");
  const rows = await page.$$eval("#fleet-table tbody tr", (trs) => trs.map((tr) => tr.dataset.id));
  assert.equal(rows.length, 9);
  assert.equal(await stateOf("boot01"), "stopped");
  assert.equal(await stateOf("tour01"), "unknown");
  const c = await counts();
  assert.equal(c.running, "running 2");
  assert.equal(c.stopped, "stopped 4");
  assert.equal(await page.$$eval("#fleet-table tr.changed", (trs) => trs.length), 0, "nothing highlighted at first");
  await shot("01-watching");
  assert.deepEqual(problems, []);
});

test("a change is highlighted and logged", async () => {
  clock.now = 2_500; // boot01 starts; tour01 goes unknown -> stopped
  await page.waitForSelector("#change-log li[data-id=boot01]");
  assert.equal(await stateOf("boot01"), "starting");
  const changed = await page.$$eval("#fleet-table tr.changed", (trs) => trs.map((tr) => tr.dataset.id).sort());
  assert.deepEqual(changed, ["boot01"]);
  assert.match(await page.textContent("#change-log li[data-id=boot01]"), /boot01 stopped → starting \(round \d+/);
  assert.equal((await counts()).starting, "starting 2");
  await shot("02-change");
});

test("an outage shows a banner and keeps the last known states", async () => {
  await page.getByRole("button", { name: "Simulate an outage" }).click();
  await page.waitForSelector("#outage:not([hidden])", { timeout: 20_000 });
  assert.match(
    await page.textContent("#outage"),
    /KooPhone is not answering \(HTTP 503\)\. Showing the last known states/,
  );
  assert.equal(await stateOf("boot01"), "starting", "last known state kept");
  assert.equal(await page.$$eval("#fleet-table tbody tr", (trs) => trs.length), 9);
  await shot("03-outage");
  await page.getByRole("button", { name: "End the outage" }).click();
  await page.waitForSelector("#outage[hidden]", { state: "attached", timeout: 30_000 });
});

test("wait until running, for a selection", async () => {
  for (const id of ["boot01", "boot02"]) await page.getByLabel(`Select ${id}`).check();
  await page.getByRole("button", { name: "Wait until running" }).click();
  await page.waitForSelector("#wait-status");
  assert.match(await page.textContent("#wait-status"), /Waiting for 2 instances|0 of 2 running/);
  await shot("04-waiting");
  clock.now = 13_000; // both run from 12 s
  await page.waitForSelector("#wait-done");
  assert.match(await page.textContent("#wait-done"), /^All 2 running after \d+ rounds/);
  await shot("05-running");
});

test("prepare several instances, each with its own progress and outcome", async () => {
  for (const id of ["boot02"]) await page.getByLabel(`Select ${id}`).uncheck();
  for (const id of ["late01", "steady01"]) await page.getByLabel(`Select ${id}`).check();
  await page.getByRole("button", { name: "Prepare" }).click();
  await page.waitForSelector("#prepare-list li[data-id=boot01][data-outcome]");
  await page.waitForSelector("#prepare-list li[data-id=late01][data-outcome]");
  await page.waitForSelector("#prepare-list li[data-id=steady01][data-outcome]");
  const outcomes = await page.$$eval("#prepare-list li", (lis) =>
    lis.map((li) => `${li.dataset.id}:${li.dataset.outcome}`),
  );
  assert.deepEqual(outcomes, ["boot01:ok", "steady01:ok", "late01:failed"], "in the order asked (the table's)");
  assert.match(await page.textContent("#prepare-list li[data-id=boot01]"), /ready after 3 polls/);
  assert.match(await page.textContent("#prepare-list li[data-id=late01]"), /PREPARE_FAILED/);
  await shot("06-prepared");
});

test("Stop ends the watch: no request after it", async () => {
  await page.getByRole("button", { name: "Stop" }).click();
  await page.waitForSelector("#fleet-summary[data-stopped=true]");
  const sent = batchRequests();
  await page.waitForTimeout(2_500);
  assert.equal(batchRequests(), sent);
  assert.equal(await page.isEnabled("#watch"), true);
  assert.deepEqual(problems, []);
});
