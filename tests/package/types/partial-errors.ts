// Compiled by typings.test.mjs (tsc --strict, lib ES2022, no DOM, no @types/node).
// `errors` stays typed when allowPartial is not the literal `true` at the call site:
// a boolean variable, an options object typed BatchStatusOptions, or a client bound with
// createClient({ allowPartial: true }) (issue 11, item 17).
import { batchStatus, createClient, type BatchStatusOptions, type KooPhoneError } from "koophone-wasm";

declare const allowPartial: boolean;

export async function fromABooleanVariable(): Promise<void> {
  const result = await batchStatus(["a"], { token: "t", allowPartial });
  const count: number | undefined = result.errors?.length;
  const ids: readonly string[] | undefined = result.errors?.[0]?.instanceIds;
  const first: KooPhoneError | undefined = result.errors?.[0]?.error;
  console.log(result.statuses.length, count, ids, first?.code);
}

export async function fromATypedOptionsObject(): Promise<void> {
  const options: BatchStatusOptions = { token: "t", allowPartial: true };
  const result = await batchStatus(["a"], options);
  const first: KooPhoneError | undefined = result.errors?.[0]?.error;
  console.log(first?.httpStatus);
}

export async function boundByCreateClient(): Promise<void> {
  const client = createClient({ token: "t", allowPartial: true });
  const result = await client.batchStatus(["a"]);
  const first: KooPhoneError | undefined = result.errors?.[0]?.error;
  console.log(first?.errorCode);
}

export async function theLiteralStillGivesTheArray(): Promise<void> {
  const result = await batchStatus(["a"], { token: "t", allowPartial: true });
  const count: number = result.errors.length;
  console.log(count);
}
