import "reflect-metadata";
import { createHmac } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createMemoryStores, createRedisStores, SessionStore, type Stores } from "@rampart/kit";
import { generateSync } from "otplib";
import { Bench } from "tinybench";
import { generateTotpSecret, verifyTotp } from "../modules/two-factor/totp";

// `npm run bench:identity`: the median cost of one TOTP verification and one session read,
// each against a baseline measured in the same run (one HMAC-SHA-1 for TOTP; one bare GET of
// the same key for the session read). REDIS_URL (default redis://127.0.0.1:6379) adds Redis.
// Writes bench/results/identity-<date>.json.

const repositoryRoot = path.resolve(__dirname, "..", "..", "..", "..");

async function main(): Promise<void> {
  const bench = new Bench({ time: 2_000, warmupTime: 500 });
  const secret = generateTotpSecret();
  const code = generateSync({ secret });
  const key = Buffer.from("12345678901234567890");
  bench
    .add("baseline: one HMAC-SHA-1", () => {
      createHmac("sha1", key).update("00000000").digest();
    })
    .add("verifyTotp (±1 step, 3 HMACs worst case)", () => {
      if (verifyTotp(secret, code) === null) throw new Error("the code should verify");
    });

  const storeSets: { name: string; stores: Stores }[] = [
    { name: "memory", stores: createMemoryStores() },
  ];
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const redis = createRedisStores({ url: redisUrl, keyPrefix: `bench:${process.pid}:` });
  try {
    await redis.ping();
    storeSets.push({ name: "redis", stores: redis });
  } catch {
    await redis.close();
    process.stderr.write(`Redis at ${redisUrl} did not answer: measuring memory only\n`);
  }
  for (const { name, stores } of storeSets) {
    const sessions = new SessionStore(stores);
    const claims = { sessionId: "sess_bench", userId: "user_bench", organizationId: "org_bench" };
    await sessions.resume(claims, { ip: "127.0.0.1", userAgent: "bench" });
    bench
      .add(`baseline (${name}): bare GET of the session key`, async () => {
        await stores.kv.get("session:sess_bench");
      })
      .add(`session read (${name}): SessionStore.resume`, async () => {
        const resumed = await sessions.resume(claims, { ip: "127.0.0.1", userAgent: "bench" });
        if (!resumed.ok) throw new Error("the session should resume");
      });
  }

  await bench.run();
  const rows = bench.tasks.map((task) => {
    const latency = task.result.state === "completed" ? task.result.latency : undefined;
    return {
      task: task.name,
      medianMs: latency?.p50 ?? null,
      p99Ms: latency?.p99 ?? null,
      samples: latency?.samplesCount ?? 0,
    };
  });
  const median = (name: string) => rows.find((row) => row.task.startsWith(name))?.medianMs ?? NaN;
  const ratios = {
    totpToHmac: median("verifyTotp") / median("baseline: one HMAC"),
    ...Object.fromEntries(
      storeSets.map(({ name }) => [
        `sessionReadToBareGet_${name}`,
        median(`session read (${name})`) / median(`baseline (${name})`),
      ]),
    ),
  };
  const results = {
    benchmark: "identity components",
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    rows,
    ratios,
  };
  const file = path.join(
    repositoryRoot,
    "bench",
    "results",
    `identity-${results.date.replace(/[:.]/g, "-")}.json`,
  );
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    `${JSON.stringify({ rows, ratios }, null, 2)}\nwrote ${path.relative(repositoryRoot, file)}\n`,
  );
  for (const { stores } of storeSets) await stores.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
