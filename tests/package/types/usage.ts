// Compiled by runtime.test.mjs with `tsc --strict`, lib ES2022 only (no DOM, no
// @types/node): the typings must stand on their own. Each line under an
// expect-error directive must fail to compile, or tsc reports the directive unused.
import {
  batchStatus,
  createClient,
  iamTokenProvider,
  KooPhoneError,
  prepareProgress,
  waitPrepared,
  type BatchStatusResult,
  type InstanceState,
  type WaitProgress,
} from "koophone-wasm";

declare const signal: {
  readonly aborted: boolean;
  addEventListener(t: "abort", l: () => void): void;
  removeEventListener(t: "abort", l: () => void): void;
};

export async function usage(): Promise<void> {
  const r: BatchStatusResult = await batchStatus(["a44uhlf7"], { token: "t", chunkSize: 32, concurrency: 4, signal });
  const state: InstanceState = r.statuses[0].state;
  const missing: string[] = r.missing;
  const partial = await batchStatus(["a"], { token: () => Promise.resolve("t"), allowPartial: true });
  const firstError: KooPhoneError | undefined = partial.errors[0]?.error;

  const done: WaitProgress = await waitPrepared(
    { userId: "u", instanceId: "i" },
    { token: "t", maxWaitMs: 300_000, onProgress: (p) => console.log(p.state, p.waitingCount, p.attempt, p.elapsedMs) },
  );
  const one = await prepareProgress({ userId: "u", instanceId: "i" }, { token: "t", endpoint: "/api/koophone" });
  const count: number | null = one.waitingCount;

  const client = createClient({ token: "t", endpoint: "http://127.0.0.1:8080" });
  await client.batchStatus(["a"]);
  await client.waitPrepared({ userId: "u", instanceId: "i" }, { maxWaitMs: 1000 });

  try {
    await batchStatus(["a"], { token: "t" });
  } catch (e) {
    if (e instanceof KooPhoneError && e.code === "HTTP")
      console.log(e.httpStatus, e.errorCode, e.requestId, e.retryable);
  }

  // @ts-expect-error credentials need a secret key
  await batchStatus(["a"], { credentials: { accessKey: "AK" } });
  const signed = await batchStatus(["a"], { credentials: { accessKey: "AK", secretKey: "SK", projectId: "p" } });
  const token = iamTokenProvider({ domainName: "d", userName: "u", password: "p", projectName: "cn-south-1" });
  await createClient({ token }).batchStatus(["a"]);
  token.invalidate();
  const viaProxy = await batchStatus(["a"], { endpoint: "/api/koophone" });
  console.log(signed.statuses.length, viaProxy.missing, await token({ forceRefresh: true }));
  // @ts-expect-error IDs are strings
  await batchStatus([1, 2], { token: "t" });
  // @ts-expect-error no such field
  console.log(r.results);
  // Without allowPartial, `errors` is absent but still typed (optional).
  console.log(r.errors?.length);
  // @ts-expect-error codes are a closed set
  const c: KooPhoneError["code"] = "TEAPOT";
  // @ts-expect-error both IDs are needed
  await waitPrepared({ userId: "u" }, { token: "t" });
  console.log(state, missing, firstError, done, count, c);
}
