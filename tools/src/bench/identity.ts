import "reflect-metadata";
import { createHmac, generateKeyPairSync } from "node:crypto";
import path from "node:path";
import { generateSync } from "otplib";
import {
  AssertionReplayGuard,
  checkOperationBinding,
  operationDigest,
  SecurityLevel,
  signIdentity,
  verifyAssertion,
  type Identity,
  type SubgraphOperation,
} from "@rampart/kit";
import { createMemoryStores, createRedisStores, type Stores } from "@rampart/kit/stores";
import { benchMachine, writeBenchResults } from "@rampart/kit/tools";
import { Bench } from "tinybench";
import { generateTotpSecret, verifyTotp } from "@rampart/security";

// `npm run bench:identity` (also the last part of `npm run bench`): the median cost of one TOTP
// verification against one HMAC-SHA-1 in the same run; then what one subgraph fetch pays for its
// identity assertion (gateway signs, subgraph verifies) without and with the operation binding
// and the single-use check, on the in-memory stores and, when REDIS_URL is set, on Redis.
// BENCH_ROUNDS interleaved rounds (default 5); each task's figure is the median of its round
// medians. The session read is measured with the gateway's components. Writes
// bench/results/identity-<date>.json.

const repositoryRoot = path.resolve(__dirname, "..", "..", "..");
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

/** A signed-in caller with an organization, role and permissions, as the gateway asserts one. */
const caller: Identity = {
  userId: "user_bench",
  sessionId: "sess_bench",
  organizationId: "org_bench",
  organizationSlug: "bench",
  role: "org:admin",
  permissions: ["org:orders:read", "org:orders:write"],
  securityLevel: SecurityLevel.SecondFactor,
  requestId: "7d9e8f5c-6a0b-4c1d-9e2f-3a4b5c6d7e8f",
  ip: "203.0.113.7",
};

/** The two fetch shapes of docs/examples/cross-subgraph.graphql: a root fetch, an `_entities` one. */
const fetches: Record<string, SubgraphOperation> = {
  "root fetch": {
    query:
      "query Example__commerce__0{orders(first:20){id status totalCents customer{__typename id}}}",
    operationName: "Example__commerce__0",
    variables: {},
  },
  "_entities fetch, 20 representations": {
    query:
      "query Example__security__1($representations:[_Any!]!){_entities(representations:$representations){...on User{id email displayName}}}",
    operationName: "Example__security__1",
    variables: {
      representations: Array.from({ length: 20 }, (_, i) => ({
        __typename: "User",
        id: `user_${String(i).padStart(24, "0")}`,
      })),
    },
  },
};

/** What a subgraph sees: the body parsed from the gateway's JSON (a copy, as on the wire). */
const parsedCopy = (operation: SubgraphOperation) =>
  JSON.parse(JSON.stringify(operation)) as SubgraphOperation;

/** The assertion tasks of one round: one per (fetch, variant). */
function addAssertionTasks(bench: Bench, stores: Record<string, Stores>): void {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const guards = Object.fromEntries(
    Object.entries(stores).map(([name, store]) => [
      name,
      new AssertionReplayGuard(store.kv, `bench-${Date.now()}`),
    ]),
  );
  // The added work alone, without the signature's noise: the two digests (gateway and
  // subgraph) and the comparison; one single-use check of a fresh jti.
  const verifiedOf = (operation: SubgraphOperation) => ({
    identity: caller,
    id: "",
    expiresAt: Date.now() + 60_000,
    operationDigest: operationDigest(operation),
  });
  for (const [shape, operation] of Object.entries(fetches)) {
    const received = parsedCopy(operation);
    bench.add(`binding alone, ${shape}: both digests + compare`, () => {
      checkOperationBinding(verifiedOf(operation), received);
    });
  }
  let counter = 0;
  for (const [name, guard] of Object.entries(guards)) {
    bench.add(`jti check alone (${name}): one SET NX PX`, async () => {
      await guard.consume({ ...verifiedOf({}), id: `${process.pid}-${(counter += 1)}` });
    });
  }
  for (const [shape, operation] of Object.entries(fetches)) {
    const received = parsedCopy(operation);
    // Before: signature and claims only (the operation left empty: its digest covers 4 nulls).
    bench.add(`assertion, ${shape}: sign + verify (baseline)`, async () => {
      const assertion = signIdentity(caller, "commerce", privateKey, {});
      await verifyAssertion(assertion, "commerce", publicKey);
    });
    bench.add(`assertion, ${shape}: sign + verify + binding`, async () => {
      const assertion = signIdentity(caller, "commerce", privateKey, operation);
      checkOperationBinding(await verifyAssertion(assertion, "commerce", publicKey), received);
    });
    for (const [name, guard] of Object.entries(guards)) {
      bench.add(`assertion, ${shape}: sign + verify + binding + jti (${name})`, async () => {
        const assertion = signIdentity(caller, "commerce", privateKey, operation);
        const verified = await verifyAssertion(assertion, "commerce", publicKey);
        checkOperationBinding(verified, received);
        await guard.consume(verified);
      });
    }
  }
}

/** The median of numbers (NaN for none). */
function median(values: readonly number[]): number {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs the assertion tasks `rounds` times, interleaved, and keeps each task's round medians. */
async function measureAssertions(): Promise<{
  rows: { task: string; medianUs: number; roundMediansUs: number[] }[];
  stores: string[];
}> {
  const stores: Record<string, Stores> = { memory: createMemoryStores() };
  if (process.env.REDIS_URL) {
    stores.redis = createRedisStores({
      url: process.env.REDIS_URL,
      keyPrefix: `bench-identity-${process.pid}:`,
    });
  }
  const perTask = new Map<string, number[]>();
  try {
    for (let round = 0; round < rounds; round += 1) {
      const bench = new Bench({ time: 1_000, warmupTime: 200 });
      addAssertionTasks(bench, stores);
      await bench.run();
      for (const task of bench.tasks) {
        if (task.result.state !== "completed") throw new Error(`${task.name} did not complete`);
        const list = perTask.get(task.name) ?? [];
        list.push(task.result.latency.p50 * 1000);
        perTask.set(task.name, list);
      }
    }
  } finally {
    await Promise.all(Object.values(stores).map((store) => store.close()));
  }
  return {
    rows: [...perTask].map(([task, values]) => ({
      task,
      medianUs: Math.round(median(values) * 10) / 10,
      roundMediansUs: values.map((value) => Math.round(value * 10) / 10),
    })),
    stores: Object.keys(stores),
  };
}

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
  const medianOf = (name: string) => rows.find((row) => row.task.startsWith(name))?.medianMs ?? NaN;
  const ratios = { totpToHmac: medianOf("verifyTotp") / medianOf("baseline: one HMAC") };

  const assertions = await measureAssertions();
  // What each variant adds to the baseline of the same fetch shape, in µs per fetch.
  const added = Object.fromEntries(
    assertions.rows
      .filter((row) => row.task.startsWith("assertion,") && !row.task.endsWith("(baseline)"))
      .map((row) => {
        const shape = row.task.slice(0, row.task.indexOf(": "));
        const baseline = assertions.rows.find(
          (other) => other.task === `${shape}: sign + verify (baseline)`,
        );
        return [row.task, Math.round((row.medianUs - (baseline?.medianUs ?? NaN)) * 10) / 10];
      }),
  );
  const results = {
    benchmark: "identity components",
    date: new Date().toISOString(),
    machine: benchMachine(),
    rows,
    ratios,
    assertions: { rounds, stores: assertions.stores, rows: assertions.rows, addedUs: added },
  };
  const written = writeBenchResults(repositoryRoot, "identity", results);
  process.stdout.write(
    `${JSON.stringify({ rows, ratios, assertions: assertions.rows, addedUs: added }, null, 2)}\nwrote ${written}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
