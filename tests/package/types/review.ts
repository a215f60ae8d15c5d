// Compiled by typings-review.test.mjs (tsc --strict, lib ES2022, no DOM, no @types/node).
// What the runtime accepts and the typings once refused: createClient() with no options (the
// entry defaults them to {}), and a KooPhoneError built with chunk errors, as fromJSON does.
import { createClient, KooPhoneError, type BatchStatusResult, type KooPhoneErrorJSON } from "koophone-wasm";
import { MAX_REQUEST_BYTES } from "koophone-wasm/proxy";

export async function bare(ids: string[]): Promise<BatchStatusResult> {
  const client = createClient();
  return client.batchStatus(ids, { token: "t" });
}

export function outage(first: KooPhoneError): KooPhoneError {
  const error = new KooPhoneError("every chunk failed", {
    code: first.code,
    errors: [{ instanceIds: ["a", "b"], error: first }],
  });
  const json: KooPhoneErrorJSON = error.toJSON();
  const back: string[] | undefined = json.errors?.[0]?.instanceIds;
  console.log(back, error.errors?.[0]?.error.code);
  return error;
}

/** The proxy's body limit, exported at run time, is typed too. */
export const bodyLimitKiB: number = MAX_REQUEST_BYTES / 1024;
