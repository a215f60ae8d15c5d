// Shared by the reliability tests: the installed tarball and its mock server.
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const PKG_DIR = fileURLToPath(new URL("../../build/installed/node_modules/koophone-wasm/", import.meta.url));
export const lib = await import(join(PKG_DIR, "index.mjs"));
export const { startMockServer } = await import(join(PKG_DIR, "mock", "index.mjs"));
export const TOKEN = "sEcReT-t0ken-4b1d";

/** How many timers the process holds (`setTimeout`s that would keep it alive). */
export function activeTimers() {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}
