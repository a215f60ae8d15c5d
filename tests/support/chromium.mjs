// Headless Chromium for the browser tests: Debian's /usr/bin/chromium (installed by
// `scripts/setup.sh --browser`, never a downloaded build) driven by playwright-core.
// The flags keep it from reaching for the network, which this machine does not have.
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
