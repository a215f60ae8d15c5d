// Compiled by typings.test.mjs (tsc --strict, lib ES2022, no DOM, no @types/node).
// The error API of issue 11: isKooPhoneError as a type guard, KooPhoneError.fromJSON,
// serverRequestId, the AUTH and REDIRECT codes, the standard `cause`, and the chunk errors
// attached to an allowPartial total outage.
import { batchStatus, isKooPhoneError, KooPhoneError, type KooPhoneErrorCode } from "koophone-wasm";

export const newCodes: KooPhoneErrorCode[] = ["AUTH", "REDIRECT"];

export async function handle(): Promise<void> {
  try {
    await batchStatus(["a"], { token: () => Promise.resolve("t"), allowPartial: true });
  } catch (e) {
    if (!isKooPhoneError(e)) throw e;
    const code: KooPhoneErrorCode = e.code;
    const ours: string | null = e.requestId;
    const theirs: string | null | undefined = e.serverRequestId;
    const cause: unknown = e.cause;
    const failedChunks: number | undefined = e.errors?.length;
    const firstChunkIds: readonly string[] | undefined = e.errors?.[0]?.instanceIds;
    if (e.code === "AUTH" || e.code === "REDIRECT") console.log(e.httpStatus);
    // Across a worker boundary: postMessage(e.toJSON()), then rebuild on the other side.
    const rebuilt: KooPhoneError = KooPhoneError.fromJSON(e.toJSON());
    console.log(code, ours, theirs, cause, failedChunks, firstChunkIds, rebuilt.code);
  }
}
