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
