import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { IpAllowlistIndex, loadOrCreateDevKeyPair, SessionStore } from "@rampart/kit";
import { createMemoryStores, createRedisStores, type Stores } from "@rampart/kit/stores";
import { benchMachine, writeBenchResults, runTool } from "@rampart/kit/tools";
import type { Request, Response } from "express";
import { Bench } from "tinybench";
import {
  issueDevToken,
  createSessionTokenVerifier,
  DEV_ISSUER,
  createSecurityHeaders,
  repositoryRoot,
} from "@rampart/gateway";

// `npm run bench` (part 2): each gateway component in isolation with tinybench, medians in ms:
// IP check against 10,000 CIDRs, session-token (JWT) verification, session read, rate-limit
// decision and header injection; Redis-backed ones also against a bare PING in the same run.
// TOTP verification is measured by the security subgraph's part (bench:identity).

const random = (n: number) => Math.floor(Math.random() * n);

function tenThousandRanges() {
  const entries = [];
  for (let i = 0; i < 10_000; i++) {
    const v6 = i % 4 === 0;
    const ipRange = v6
      ? `2001:db8:${random(65536).toString(16)}:${random(65536).toString(16)}::/64`
      : `${10 + random(200)}.${random(256)}.${random(256)}.0/24`;
    entries.push({
      id: `e${i}`,
      ipRange,
      organizationId: i % 3 === 0 ? `org_${random(100)}` : null,
      expiresAt: null,
    });
  }
  return entries;
}

runTool(async () => {
  const bench = new Bench({ time: 1_500, warmupTime: 300 });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-bench-"));

  const index = new IpAllowlistIndex(tenThousandRanges());
  const probes = Array.from(
    { length: 1024 },
    () => `${10 + random(200)}.${random(256)}.${random(256)}.${random(256)}`,
  );
  let probe = 0;
  bench.add("IP check, 10,000 CIDRs (IPv4 client)", () => {
    index.allows(probes[probe++ & 1023], "org_7");
  });

  const keys = loadOrCreateDevKeyPair(dataDir, "dev-issuer-rsa");
  const verifierOptions = {
    jwtKey: keys.publicKeyPem,
    issuer: DEV_ISSUER,
    authorizedParties: ["http://localhost:4000"],
  };
  const verifyUncached = createSessionTokenVerifier({ ...verifierOptions, cacheSize: 0 });
  const verify = createSessionTokenVerifier(verifierOptions);
  const token = await issueDevToken(
    { userId: "user_bench", organizationId: "org_bench", role: "admin" },
    {
      privateKeyPem: keys.privateKeyPem,
      issuer: DEV_ISSUER,
      authorizedParty: "http://localhost:4000",
    },
  );
  bench
    .add("session token (RS256 JWT) verification, first sight", async () => {
      await verifyUncached(token);
    })
    .add("session token (RS256 JWT) verification, token seen before", async () => {
      await verify(token);
    });

  const headers = createSecurityHeaders();
  const response = {
    setHeader: () => response,
    removeHeader: () => undefined,
    getHeader: () => undefined,
  } as unknown as Response;
  bench.add("security header injection", () => {
    headers({} as Request, response, () => undefined);
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
      .add(`baseline (${name}): PING`, async () => {
        await stores.ping();
      })
      .add(`session read (${name})`, async () => {
        await sessions.resume(claims, { ip: "127.0.0.1", userAgent: "bench" });
      })
      .add(`rate-limit decision (${name}, one key)`, async () => {
        await stores.rateLimiter.consume("bench", { limit: 100_000_000, windowMs: 60_000 });
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
  const report = {
    benchmark: "gateway components",
    date: new Date().toISOString(),
    machine: benchMachine(),
    rows,
  };
  const written = writeBenchResults(repositoryRoot, "components", report);
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\nwrote ${written}\n`);
  for (const { stores } of storeSets) await stores.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});
