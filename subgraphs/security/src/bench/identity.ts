import "reflect-metadata";
import { createHmac } from "node:crypto";
import path from "node:path";
import { generateSync } from "otplib";
import { benchMachine, writeBenchResults } from "@rampart/kit/dist/tools/bench-results";
import { Bench } from "tinybench";
import { generateTotpSecret, verifyTotp } from "../modules/two-factor/totp";

// `npm run bench:identity` (also the last part of `npm run bench`): the median cost of one TOTP
// verification against one HMAC-SHA-1 in the same run. The session read is measured with the
// gateway's components. Writes bench/results/identity-<date>.json.

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
  const ratios = { totpToHmac: median("verifyTotp") / median("baseline: one HMAC") };
  const results = {
    benchmark: "identity components",
    date: new Date().toISOString(),
    machine: benchMachine(),
    rows,
    ratios,
  };
  const written = writeBenchResults(repositoryRoot, "identity", results);
  process.stdout.write(`${JSON.stringify({ rows, ratios }, null, 2)}\nwrote ${written}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
