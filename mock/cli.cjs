#!/usr/bin/env node
"use strict";
/**
 * Command line for the mock KooPhone server. Prints one line when ready:
 *   KooPhone mock listening on http://HOST:PORT
 * and stops cleanly on SIGINT or SIGTERM.
 */
const { parseArgs } = require("node:util");
const { startMockServer, loadScenario } = require("./server.cjs");

const USAGE = `Usage: koophone-mock [options]

Starts the local mock KooPhone server (the two instance endpoints behind a mock of Huawei's API
gateway, and IAM's token endpoint) and prints "KooPhone mock listening on URL" when ready.
Stop it with Ctrl-C. Run it with npx koophone-mock in a project that has koophone-wasm installed.

Options:
  --port <n>               port to listen on, 0 for any free one (default 8080)
  --host <addr>            address to listen on (default 127.0.0.1)
  --latency <ms>           delay added to every response (default 0)
  --rate-limit <n>         gateway rate limit per API, requests per second (default none)
  --max-ids <n>            most instance IDs per batch request, 1 to 100 (default 32)
  --scenario <file>        JSON scenario: tokens, instances, faults, ... (flags override it)
  -h, --help               show this help

Example:
  koophone-mock --port 8787 --scenario node_modules/koophone-wasm/mock/scenarios/demo.json

Scenario files, options and faults: the section "Testing your code with the mock server" of the
koophone-wasm README (https://www.npmjs.com/package/koophone-wasm).
`;

/**
 * Turns argv into server options.
 * @param {string[]} argv
 * @returns {Record<string, unknown> | null} server options, or null when help was asked for
 * @throws {Error} with a message fit for the user
 */
function parseCommandLine(argv) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      latency: { type: "string" },
      "rate-limit": { type: "string" },
      "max-ids": { type: "string" },
      scenario: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return null;
  const options = values.scenario ? loadScenario(values.scenario) : {};
  options.port = parseNumber("--port", values.port ?? "8080", (n) => Number.isInteger(n) && n >= 0 && n <= 65535);
  options.host = values.host ?? "127.0.0.1";
  if (values.latency !== undefined) {
    options.latencyMs = parseNumber("--latency", values.latency, (n) => n >= 0);
  }
  if (values["rate-limit"] !== undefined) {
    options.rateLimit = { requestsPerSecond: parseNumber("--rate-limit", values["rate-limit"], (n) => n > 0) };
  }
  if (values["max-ids"] !== undefined) {
    options.maxIdsPerRequest = parseNumber(
      "--max-ids",
      values["max-ids"],
      (n) => Number.isInteger(n) && n >= 1 && n <= 100,
    );
  }
  return options;
}

/**
 * @param {string} flag
 * @param {string} text
 * @param {(n: number) => boolean} ok
 */
function parseNumber(flag, text, ok) {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || !ok(n)) throw new Error(`Invalid value for ${flag}: "${text}".`);
  return n;
}

/** Prints `message` and the hint to stderr and exits with status 2. @param {string} message */
function failUsage(message) {
  process.stderr.write(`koophone-mock: ${message}\nRun with --help for usage.\n`);
  process.exit(2);
}

async function main() {
  let options;
  try {
    options = parseCommandLine(process.argv.slice(2));
  } catch (err) {
    return failUsage(/** @type {Error} */ (err).message);
  }
  if (!options) return process.stdout.write(USAGE);
  let server;
  try {
    server = await startMockServer(options);
  } catch (err) {
    process.stderr.write(`koophone-mock: cannot start: ${/** @type {Error} */ (err).message}\n`);
    return process.exit(1);
  }
  const stop = () => server.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  process.stdout.write(`KooPhone mock listening on ${server.url}\n`);
  return undefined;
}

main();
