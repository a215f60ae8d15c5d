// JavaScript half of the transport (src/transport/fetch.rs).

/** `globalThis.fetch`, read at each call so later polyfills and interceptors apply. */
export function globalFetch() {
  return typeof globalThis.fetch === "function" ? globalThis.fetch : undefined;
}

/** `{ method: "POST", headers, body, signal }` from `[name, value, name, value, ...]`. */
export function requestInit(headerPairs, body, signal) {
  const headers = {};
  for (let i = 0; i + 1 < headerPairs.length; i += 2) headers[headerPairs[i]] = headerPairs[i + 1];
  return { method: "POST", headers, body, signal };
}

/** A promise for `value` that rejects as soon as `signal` aborts (the value may never settle). */
export function raceAbort(value, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    Promise.resolve(value).then(
      (result) => {
        signal.removeEventListener("abort", onAbort);
        resolve(result);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
