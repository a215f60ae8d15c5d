// Shared set-up for the package tests: the installed tarball and a mock server.
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { assertContract } from "../support/contract.mjs";

/** Where scripts/pack.sh unpacked the tarball. */
export const PKG_DIR = fileURLToPath(new URL("../../build/installed/node_modules/koophone-wasm/", import.meta.url));

export const lib = await import(join(PKG_DIR, "index.mjs"));
export const { startMockServer } = await import(join(PKG_DIR, "mock", "index.mjs"));

export const TOKEN = "test-token-9f8e7d";

/**
 * Start a mock with `n` known instances `id000`.. and stop it after the test. Before it
 * stops, every request the library sent and every answer the mock gave is checked
 * against docs/openapi.yaml (`contract: false` skips that, for tests that send invalid
 * requests on purpose).
 */
export async function mockFor(t, { count = 0, extra = [], contract = true, ...rest } = {}) {
  const instances = Array.from({ length: count }, (_, i) => ({
    id: `id${String(i).padStart(3, "0")}`,
    status: i % 6,
    owner: "u1",
  }));
  const server = await startMockServer({ tokens: [TOKEN], instances: [...instances, ...extra], ...rest });
  t.after(async () => {
    try {
      if (contract) {
        const report = await assertContract(server);
        const sent = server.requests.filter((r) => r.method !== "OPTIONS").length;
        if (report.requests !== sent) throw new Error(`the contract check saw ${report.requests} of ${sent} requests`);
      }
    } finally {
      await server.close();
    }
  });
  return server;
}

/** Options for the library pointed at `server`. */
export function opts(server, more = {}) {
  return { token: TOKEN, endpoint: server.url, ...more };
}

/** The API requests the mock received (preflights and such left out). */
export function apiRequests(server, endpoint = "batch-query-status") {
  return server.requests.filter((r) => r.path === `/v1/instances/${endpoint}`);
}
