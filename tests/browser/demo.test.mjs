// The demo page (www/) in headless Chromium against the mock server, as a user
// would drive it. Starts its own mock and static server on free 127.0.0.1 ports.
// Screenshots of each state go to results/demo/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startMockServer, loadScenario } from "../../mock/index.mjs";
import { startStaticServer, demoConfig, demoProxy } from "../../scripts/serve.mjs";
import { launchChromium } from "../support/chromium.mjs";

const SHOTS = fileURLToPath(new URL("../../results/demo/", import.meta.url));
const TOKEN = "demo-token";

let mock, site, browser, page, scenario;
const problems = [];

const shot = (name) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });

/** Text the user can see or a screen reader can read: the token must never be in it. */
async function assertNoToken(...secrets) {
  const text = await page.evaluate(() => document.body.innerText + document.body.textContent);
  for (const secret of secrets) assert.ok(!text.includes(secret), `the page shows ${secret}`);
}

before(async () => {
  rmSync(SHOTS, { recursive: true, force: true }); // no stale screenshots from older runs
  mkdirSync(SHOTS, { recursive: true });
  scenario = loadScenario(fileURLToPath(new URL("../../mock/scenarios/demo.json", import.meta.url)));
  mock = await startMockServer({ ...scenario, port: 0 });
  // An instance that keeps queuing, for Cancel.
  mock.setInstance({ id: "prep-slow", status: 4, owner: "demo-user", prepare: [{ status: 1, waitingCount: 40 }] });
  // The same pre-fill and replay hook as scripts/demo.sh.
  site = await startStaticServer({
    port: 0,
    config: { ...demoConfig(scenario, mock.url), replay: "/demo/replay" },
    proxy: await demoProxy(scenario, mock.url),
    onReplay: () => {
      for (const instance of scenario.instances) if (instance.prepare) mock.setInstance(instance);
    },
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.setDefaultTimeout(10_000);
  await page.goto(`${site.url}/www/`);
  await page.waitForSelector("body[data-ready=true]");
});

after(async () => {
  await browser?.close();
  await site?.close();
  await mock?.close();
});

test("the page loads the package from pkg/, pre-filled for the mock, accessibly labelled", async () => {
  assert.equal(await page.getByLabel("Endpoint").inputValue(), "/api/koophone");
  assert.equal(await page.locator("input[type=password]").count(), 0, "the page asks for no token");
  const ids = await page.getByLabel("Instance IDs").inputValue();
  assert.deepEqual(ids.split("\n"), [...scenario.instances.map((i) => i.id), "ghost001"]);
  assert.equal(await page.getByLabel("User ID").inputValue(), "demo-user");
  assert.equal(await page.getByLabel("Instance ID", { exact: true }).inputValue(), "prep-ok");
  assert.equal(await page.getAttribute("#progress", "aria-live"), "polite");
  assert.equal(await page.getAttribute("#status-output", "aria-live"), "polite");
  assert.equal(await page.isHidden("#load-error"), true);
  assert.equal(await page.isVisible("#replay"), true, "demo mode offers to restart the mock's scripts");
  await shot("01-loaded");
  assert.deepEqual(problems, []);
});

test("Check status: a table with a coloured badge per state, and the ID the server did not report", async () => {
  await page.getByRole("button", { name: "Check status" }).click();
  await page.waitForSelector("#status-table");
  const rows = await page.$$eval("#status-table tbody tr", (trs) =>
    trs.map((tr) => {
      const b = tr.querySelector(".badge");
      return { id: tr.dataset.id, state: b.textContent, cls: b.className, bg: getComputedStyle(b).backgroundColor };
    }),
  );
  assert.deepEqual(
    rows.map((r) => `${r.id}:${r.state}`),
    [
      "a44uhlf7:unknown",
      "stopped01:stopped",
      "running01:running",
      "running02:running",
      "prep-fail:offline",
      "prep-ok:starting",
      "shutdown01:shutdown",
      "mystery07:unrecognized",
    ],
  );
  assert.ok(
    rows.every((r) => r.cls.includes(`state-${r.state}`)),
    "each badge is classed by its state",
  );
  const colour = Object.fromEntries(rows.map((r) => [r.state, r.bg]));
  assert.equal(
    new Set(Object.values(colour)).size >= 5,
    true,
    `badges are coloured by state: ${JSON.stringify(colour)}`,
  );
  assert.notEqual(colour.running, colour.stopped);
  assert.deepEqual(await page.$$eval("#missing li", (lis) => lis.map((li) => li.textContent)), ["ghost001"]);
  assert.match(await page.textContent("#status-summary"), /^8 of 9 instances reported · 1 request/);
  await shot("02-status");
  const sent = mock.requests.filter((r) => r.path.endsWith("batch-query-status") && r.method === "POST");
  assert.equal(sent.length, 1);
  assert.equal(sent[0].headers["x-auth-token"], "***", "the proxy added the token (redacted in the mock's log)");
  await assertNoToken(TOKEN);
});

test("Wait until prepared: live progress through queuing and restoring to normal", async () => {
  // Record every state the live region shows, as it shows it.
  await page.evaluate(() => {
    window.__shown = [];
    new MutationObserver(() => {
      const now = document.querySelector("#progress .progress-now");
      if (now) window.__shown.push([now.dataset.state, now.textContent]);
    }).observe(document.getElementById("progress"), { childList: true, subtree: true });
  });
  await page.getByRole("button", { name: "Wait until prepared" }).click();
  // While the wait goes on: the latest reading, with waitingCount, poll and elapsed time.
  await page.waitForSelector("#progress .progress-now[data-state=queuing]");
  assert.equal(await page.isDisabled("#wait"), true);
  assert.equal(await page.isEnabled("#cancel"), true);
  assert.equal(await page.$("#prepared"), null);
  assert.match(
    await page.innerText("#progress"),
    /State:?\s*queuing\s*Waiting count:?\s*\d\s*Poll:?\s*\d\s*Elapsed:?\s*\d+\.\d s/,
  );
  await page.waitForSelector("#progress .progress-now[data-state=restoring]");
  await shot("03-progress");
  await page.waitForSelector("#prepared", { timeout: 20_000 });

  const shown = await page.evaluate(() => window.__shown);
  assert.deepEqual([...new Set(shown.map(([state]) => state))], ["queuing", "restoring", "normal"]);
  assert.match(
    shown.map(([, text]) => text).join("\n"),
    /Waiting count:?\s*3[\s\S]*Waiting count:?\s*2[\s\S]*Waiting count:?\s*1/,
  );
  const log = await page.$$eval("#progress-log li", (lis) => lis.map((li) => li.dataset.state));
  assert.deepEqual(log, ["queuing", "queuing", "queuing", "restoring", "normal"]);
  assert.match(await page.textContent("#prepared"), /ready after 5 polls/);
  assert.equal(await page.isEnabled("#wait"), true);
  assert.equal(await page.isDisabled("#cancel"), true);
  await shot("04-prepared");
});

test("Restart the mock's scripts: a second wait on prep-ok goes through queuing again", async () => {
  await page.getByRole("button", { name: "Restart the mock's preparation scripts" }).click();
  await page.waitForSelector("#replayed");
  await page.getByRole("button", { name: "Wait until prepared" }).click();
  await page.waitForSelector("#prepared", { timeout: 20_000 });
  const log = await page.$$eval("#progress-log li", (lis) => lis.map((li) => li.dataset.state));
  assert.deepEqual(log, ["queuing", "queuing", "queuing", "restoring", "normal"]);
});

test("a failed preparation is reported in plain words with its code and request id", async () => {
  await page.getByLabel("Instance ID", { exact: true }).fill("prep-fail");
  await page.getByRole("button", { name: "Wait until prepared" }).click();
  const box = await page.waitForSelector("#progress .error", { timeout: 20_000 });
  assert.equal(await box.getAttribute("data-code"), "PREPARE_FAILED");
  const text = await box.innerText();
  assert.match(text, /^The instance could not be prepared\./);
  assert.match(text, /Preparation of instance prep-fail failed/);
  assert.match(text, /Code:?\s*PREPARE_FAILED/);
  assert.match(text, /Request ID:?\s*[0-9a-f-]{36}/);
  const lastPoll = mock.requests.filter((r) => r.path.endsWith("prepare-progress")).at(-1);
  assert.ok(text.includes(lastPoll.headers["x-request-id"]), "the request id is the failing poll's");
  await assertNoToken(TOKEN);
  await shot("05-failed");
});

test("Cancel aborts a wait in progress (code ABORTED)", async () => {
  await page.getByLabel("Instance ID", { exact: true }).fill("prep-slow");
  await page.getByRole("button", { name: "Wait until prepared" }).click();
  await page.waitForSelector("#progress .progress-now[data-state=queuing]");
  const pollsBefore = mock.requests.filter((r) => r.path.endsWith("prepare-progress")).length;
  const started = Date.now();
  await page.getByRole("button", { name: "Cancel" }).click();
  const box = await page.waitForSelector("#progress .error", { timeout: 5_000 });
  assert.ok(Date.now() - started < 2_000, "the wait stops at once, not at the next poll");
  assert.equal(await box.getAttribute("data-code"), "ABORTED");
  assert.match(await box.innerText(), /^Cancelled: the wait was stopped\.[\s\S]*Code:?\s*ABORTED/);
  assert.equal(await page.isDisabled("#cancel"), true);
  assert.equal(await page.evaluate(() => document.activeElement.id), "wait", "focus returns to the Wait button");
  await new Promise((r) => setTimeout(r, 1_200));
  const pollsAfter = mock.requests.filter((r) => r.path.endsWith("prepare-progress")).length;
  assert.ok(pollsAfter - pollsBefore <= 1, `no polling after Cancel (${pollsAfter - pollsBefore} more)`);
  await shot("06-cancelled");
});

test("input errors and server errors are shown with code and HTTP status, never the token", async () => {
  await page.getByLabel("Instance IDs").fill(" , \n ");
  await page.getByRole("button", { name: "Check status" }).click();
  let box = await page.waitForSelector("#status-output .error");
  assert.equal(await box.getAttribute("data-code"), "INVALID_ARGUMENT");
  assert.match(await box.innerText(), /instanceIds is empty/);

  await page.getByLabel("Instance IDs").fill("running01, ghost001");
  // The gateway refuses the proxy's token once.
  mock.setFault({
    endpoint: "batch-query-status",
    type: "http",
    status: 401,
    body: {
      error_code: "APIGW.0301",
      error_msg: "Incorrect IAM authentication information: token expired",
      request_id: "0123456789abcdef0123456789abcdef",
    },
    times: 1,
  });
  await page.getByRole("button", { name: "Check status" }).click();
  box = await page.waitForSelector("#status-output .error[data-code=HTTP]");
  const text = await box.innerText();
  assert.match(text, /^KooPhone refused the request\./);
  assert.match(
    text,
    /Code:?\s*HTTP\s+HTTP status:?\s*401\s+Server code:?\s*APIGW\.0301\s+Request ID:?\s*[0-9a-f-]{36}/,
  );
  await assertNoToken(TOKEN);
  await shot("07-error");
  assert.deepEqual(
    problems.filter((p) => !/\b401\b/.test(p)),
    [],
    "no page errors",
  );
});

test("many IDs (comma separated) are checked in chunks and merged in input order", async () => {
  const ids = Array.from({ length: 70 }, (_, i) => (i % 7 === 3 ? `running0${1 + (i % 2)}` : `x${i}`));
  await page.getByLabel("Instance IDs").fill(ids.join(", "));
  mock.resetRequests();
  await page.getByRole("button", { name: "Check status" }).click();
  await page.waitForSelector("#status-table");
  const distinct = [...new Set(ids)];
  assert.deepEqual(await page.$$eval("#status-table tbody tr", (trs) => trs.map((tr) => tr.dataset.id)), [
    "running02",
    "running01",
  ]);
  assert.equal(await page.$$eval("#missing li", (lis) => lis.length), distinct.length - 2);
  assert.match(await page.textContent("#status-summary"), /^2 of 62 instances reported · 2 requests/);
  assert.equal(mock.requests.filter((r) => r.method === "POST").length, 2);
});

test("narrow screens: the page fits without sideways scrolling", async () => {
  const narrow = await browser.newPage({ viewport: { width: 390, height: 800 } });
  try {
    await narrow.goto(`${site.url}/www/`);
    await narrow.waitForSelector("body[data-ready=true]");
    await narrow.getByRole("button", { name: "Check status" }).click();
    await narrow.waitForSelector("#status-table");
    const overflow = await narrow.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    await narrow.screenshot({ path: `${SHOTS}08-narrow.png`, fullPage: true });
  } finally {
    await narrow.close();
  }
});

test("without a built package the page says what to do instead of staying blank", async () => {
  const broken = await browser.newPage();
  try {
    await broken.route("**/pkg/index.mjs", (route) => route.fulfill({ status: 404, body: "not found" }));
    await broken.goto(`${site.url}/www/`);
    await broken.waitForSelector("#load-error", { state: "visible" });
    assert.match(await broken.innerText("#load-error"), /scripts\/pack\.sh/);
  } finally {
    await broken.close();
  }
});
