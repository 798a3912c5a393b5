/**
 * @jest-environment node
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import { resetEnvForTests } from "@/lib/env";
import { dummyPasswordCheck, hashPassword, verifyPassword } from "@/lib/auth/password";
import { AuthError, BUSY_MESSAGE } from "@/lib/auth/errors";
import {
  PasswordQueueFullError,
  bcryptTasksInFlight,
  bcryptThreads,
  configuredBcryptThreads,
  passwordQueueMax,
  resetBcryptPool,
  runBcrypt,
  runBcryptInThread,
} from "@/lib/auth/password-pool";

const PASSWORD = "correct horse battery staple 42";

/** Run `work` while a 2 ms interval ticks; the longest gap between ticks is how long the event loop stalled. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 2);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(longest, performance.now() - last);
}

function withCost<T>(cost: number, fn: () => Promise<T>): Promise<T> {
  const before = process.env.BCRYPT_COST;
  process.env.BCRYPT_COST = String(cost);
  resetEnvForTests();
  return fn().finally(() => {
    process.env.BCRYPT_COST = before;
    resetEnvForTests();
  });
}

afterEach(async () => {
  delete process.env.BCRYPT_WORKERS;
  resetEnvForTests();
  await resetBcryptPool();
});

describe("bcrypt on the worker pool", () => {
  it("starts one thread per core by default", () => {
    expect(bcryptThreads()).toBe(os.availableParallelism());
  });

  it("hashes and verifies, in both directions compatible with bcryptjs", async () => {
    const hash = await hashPassword(PASSWORD);
    expect(hash).toMatch(/^\$2b\$04\$/);
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
    expect(await verifyPassword(`${PASSWORD}!`, hash)).toBe(false);
    expect(bcrypt.compareSync(PASSWORD, hash)).toBe(true);
    expect(await verifyPassword(PASSWORD, bcrypt.hashSync(PASSWORD, 4))).toBe(true);
    expect(bcryptThreads()).toBeGreaterThan(0);
  });

  it("normalises to NFKC before hashing and comparing", async () => {
    const hash = await hashPassword("ｐａｓｓｗｏｒｄ ﬁve ２０２４"); // full-width letters, the "ﬁ" ligature
    expect(await verifyPassword("password five 2024", hash)).toBe(true);
  });

  it("refuses to hash more than 72 bytes and never matches a longer password, after the same work", async () => {
    const exactly72 = "é".repeat(36); // 2 bytes each
    const hash = await hashPassword(exactly72);
    expect(await verifyPassword(exactly72, hash)).toBe(true);
    await expect(hashPassword(`${exactly72}x`)).rejects.toThrow(/72 bytes/);
    // bcrypt would read only the first 72 bytes and say yes.
    expect(bcrypt.compareSync(`${exactly72}x`, hash)).toBe(true);

    await withCost(10, async () => {
      const costly = await hashPassword(exactly72);
      const started = performance.now();
      expect(await verifyPassword(`${exactly72}x`, costly)).toBe(false);
      const tooLong = performance.now() - started;
      const again = performance.now();
      await verifyPassword(exactly72, costly);
      const normal = performance.now() - again;
      // The refusal still pays for a compare, so timing does not single it out.
      expect(tooLong).toBeGreaterThan(normal * 0.5);
    });
  });

  it("spends a compare on the dummy check and answers false", async () => {
    await withCost(10, async () => {
      await dummyPasswordCheck("warm-up"); // the dummy hash is made once
      const started = performance.now();
      await expect(dummyPasswordCheck(PASSWORD)).resolves.toBe(false);
      expect(performance.now() - started).toBeGreaterThan(20);
    });
  });

  it("reports a malformed stored hash as bcryptjs does, and keeps the pool", async () => {
    const malformed = `$2b$04$${"!".repeat(53)}`;
    const inThread = await runBcryptInThread({ op: "compare", password: PASSWORD, hash: malformed }).catch((e: Error) => e);
    const pooled = await runBcrypt({ op: "compare", password: PASSWORD, hash: malformed }).catch((e: Error) => e);
    expect(pooled).toBeInstanceOf(Error);
    expect((pooled as Error).message).toBe((inThread as Error).message);
    expect(bcryptThreads()).toBeGreaterThan(0);
  });

  // Correctness, not speed: a sign-in storm must not freeze every other request.
  it("keeps the event loop turning while 8 hashes at cost 10 run", async () => {
    const STALL_BOUND_MS = 100; // generous: in-thread bcryptjs stalls ~8 × 100 ms here
    await withCost(10, async () => {
      await hashPassword("warm up the workers");
      const pooled = await longestStall(() => Promise.all(Array.from({ length: 8 }, (_, i) => hashPassword(`${PASSWORD}${i}`))));
      const inThread = await longestStall(() =>
        Promise.all(Array.from({ length: 8 }, (_, i) => runBcryptInThread({ op: "hash", password: `${PASSWORD}${i}`, cost: 10 }))),
      );
      // Relative, so a busy CI machine (other test workers on both cores) cannot
      // fail it: main-thread hashing stalls for the whole batch, the pool for a slice.
      expect(inThread).toBeGreaterThan(STALL_BOUND_MS);
      expect(pooled).toBeLessThan(inThread / 3);
    });
  });
});

describe("the bcrypt budget (PASSWORD_QUEUE_MAX)", () => {
  it("admits that many tasks and refuses the next one at once, the dummy check included, with AuthError busy", async () => {
    await resetBcryptPool({ threads: 1, queueMax: 2 });
    await dummyPasswordCheck("warm-up"); // the dummy hash is made once, outside the measurement
    const admitted = [1, 2].map((i) => runBcrypt({ op: "hash", password: `${PASSWORD}${i}`, cost: 12 }));
    expect(bcryptTasksInFlight()).toBe(2);
    const started = performance.now();
    const refusals = await Promise.all([
      hashPassword(PASSWORD).catch((e: unknown) => e),
      verifyPassword(PASSWORD, bcrypt.hashSync(PASSWORD, 4)).catch((e: unknown) => e),
      dummyPasswordCheck(PASSWORD).catch((e: unknown) => e),
    ]);
    expect(performance.now() - started).toBeLessThan(50); // never a wait for a place
    for (const err of refusals) {
      expect(err).toBeInstanceOf(PasswordQueueFullError);
      expect(err).toBeInstanceOf(AuthError);
      expect(err).toMatchObject({ code: "busy", status: 503, message: BUSY_MESSAGE });
      expect((err as AuthError).retryAfter).toBeGreaterThanOrEqual(1);
    }
    await Promise.all(admitted);
    expect(bcryptTasksInFlight()).toBe(0);
    // Places free up as tasks finish, refused or failed ones included.
    await expect(dummyPasswordCheck(PASSWORD)).resolves.toBe(false);
    await runBcrypt({ op: "compare", password: PASSWORD, hash: `$2b$04$${"!".repeat(53)}` }).catch(() => {});
    expect(bcryptTasksInFlight()).toBe(0);
  });

  it("defaults to 8 per worker thread (8 on the main thread), or PASSWORD_QUEUE_MAX", async () => {
    const configured = process.env.PASSWORD_QUEUE_MAX; // the test setup raises it for every other test
    try {
      delete process.env.PASSWORD_QUEUE_MAX;
      resetEnvForTests();
      await resetBcryptPool({ threads: 2 });
      expect(passwordQueueMax()).toBe(16);
      await resetBcryptPool({ threads: 0 });
      expect(passwordQueueMax()).toBe(8);
      await resetBcryptPool();
      process.env.PASSWORD_QUEUE_MAX = "5";
      resetEnvForTests();
      expect(passwordQueueMax()).toBe(5);
    } finally {
      if (configured === undefined) delete process.env.PASSWORD_QUEUE_MAX;
      else process.env.PASSWORD_QUEUE_MAX = configured;
      resetEnvForTests();
    }
  });
});

describe("falling back to the main thread", () => {
  it("hashes on the main thread with BCRYPT_WORKERS=0", async () => {
    process.env.BCRYPT_WORKERS = "0";
    resetEnvForTests();
    await resetBcryptPool();
    expect(bcryptThreads()).toBe(0);
    const hash = await hashPassword(PASSWORD);
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
  });

  it("takes its size from BCRYPT_WORKERS in lib/env.ts, one thread per core when unset", () => {
    expect(configuredBcryptThreads(3)).toBe(3);
    expect(configuredBcryptThreads(0)).toBe(0);
    expect(configuredBcryptThreads(undefined)).toBe(os.availableParallelism());
    process.env.BCRYPT_WORKERS = "1";
    resetEnvForTests();
    expect(configuredBcryptThreads()).toBe(1);
  });

  it("works without the worker file", async () => {
    await resetBcryptPool({ filename: path.join(os.tmpdir(), "no-such-bcrypt-worker.mjs") });
    const hash = await hashPassword(PASSWORD);
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
    expect(bcryptThreads()).toBe(0);
  });

  function workerFile(source: string): string {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "gh-bcrypt-")), "worker.mjs");
    writeFileSync(file, source);
    return file;
  }

  it("survives a worker that cannot load, before any task, and hashes on the main thread", async () => {
    await resetBcryptPool({ threads: 1, filename: workerFile('throw new Error("cannot load");\n') });
    expect(bcryptThreads()).toBe(1); // starts the pool; its worker fails while idle
    for (let i = 0; i < 100 && bcryptThreads() !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(bcryptThreads()).toBe(0);
    const hash = await hashPassword(PASSWORD);
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
  });

  it("reruns a task on the main thread when its worker dies, and stays there", async () => {
    await resetBcryptPool({ threads: 1, filename: workerFile("export default function () { process.exit(1); }\n") });
    const hash = await hashPassword(PASSWORD);
    expect(bcrypt.compareSync(PASSWORD, hash)).toBe(true);
    expect(bcryptThreads()).toBe(0);
    // A compare whose worker dies never turns into a wrong answer.
    await resetBcryptPool({ threads: 1, filename: workerFile("export default function () { process.exit(1); }\n") });
    expect(await verifyPassword("wrong", hash)).toBe(false);
    await resetBcryptPool({ threads: 1, filename: workerFile("export default function () { process.exit(1); }\n") });
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
    expect(bcryptThreads()).toBe(0);
  });
});
