import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SECURITY_EVENT_BUFFER, SecurityEventRecorder } from "@rampart/kit";
import { createRedisStores, type Stores } from "@rampart/kit/stores";
import {
  postGraphQL,
  startPrivatePostgres,
  startPrivateRedis,
  testServices,
  type PrivateService,
} from "@rampart/kit/testing";
import { followSecurityEvents, type EventFollower } from "../support/live";
import { startPlatform, type TestPlatform } from "../support/platform";
import { signInSuperadmin } from "../support/superadmin";

jest.setTimeout(240_000);

/**
 * Dependencies fail while events flow. The platform runs on a PostgreSQL and a Redis of this
 * suite's own, so stopping them disturbs no other suite; a dashboard follows the live feed,
 * resuming with `after` whenever its feed is interrupted, and must end up with every event
 * exactly once, in order.
 */
const services = testServices();
const realServices = Boolean(services.databaseUrl && services.redisUrl);
const describeReal = realServices ? describe : describe.skip;

describeReal("live events through dependency outages", () => {
  let postgres: PrivateService;
  let redis: PrivateService;
  let platform: TestPlatform;
  let stores: Stores;
  let recorder: SecurityEventRecorder;
  let follower: EventFollower;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Records `count` drill events, one every `everyMs`, as a gateway replica would. */
  const produce = async (type: string, count: number, everyMs: number, during?: () => void) => {
    for (let n = 0; n < count; n++) {
      if (n === Math.floor(count / 4)) during?.();
      await recorder.record({
        type,
        severity: "info",
        actorId: null,
        organizationId: null,
        ip: null,
        reason: `${type} ${n}`,
        requestId: null,
      });
      await sleep(everyMs);
    }
  };
  const received = (type: string) =>
    follower.events.filter((event) => event.type === type).map((event) => event.reason);
  const expected = (type: string, count: number) =>
    Array.from({ length: count }, (_, n) => `${type} ${n}`);

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
    platform = await startPlatform({ databaseUrl: postgres.url, redisUrl: redis.url });
    const token = await signInSuperadmin(platform, `user_admin_${randomBytes(3).toString("hex")}`);
    stores = createRedisStores({ url: redis.url, keyPrefix: platform.env.REDIS_KEY_PREFIX });
    recorder = new SecurityEventRecorder(stores.events, { bufferLimit: SECURITY_EVENT_BUFFER });
    follower = followSecurityEvents(platform.adminUrl, token, ["drill.redis", "drill.postgres"]);
    await sleep(1_000);
  });
  afterAll(async () => {
    await follower?.stop();
    await stores?.close();
    await platform?.stop();
    await Promise.all([postgres?.remove(), redis?.remove()]);
  });

  it("loses none when Redis is killed and comes back", async () => {
    let killed: Promise<void> | undefined;
    await produce("drill.redis", 40, 100, () => {
      killed = (async () => {
        await redis.kill();
        await sleep(3_000);
        await redis.start();
      })();
    });
    await killed;
    await follower.until(() => received("drill.redis").length >= 40, 60_000);
    await sleep(1_000);
    expect(received("drill.redis")).toEqual(expected("drill.redis", 40));
    process.stdout.write(
      `Redis outage: interruptions survived ${JSON.stringify(follower.interruptions)}\n`,
    );
  });

  it("loses none when PostgreSQL stops for 10 s", async () => {
    let stopped: Promise<void> | undefined;
    await produce("drill.postgres", 60, 250, () => {
      stopped = (async () => {
        await postgres.kill();
        await sleep(10_000);
        await postgres.start();
      })();
    });
    await stopped;
    await follower.until(() => received("drill.postgres").length >= 60, 90_000);
    await sleep(1_000);
    expect(received("drill.postgres")).toEqual(expected("drill.postgres", 60));
  });

  // Last: it restarts the platform.
  it("loses none a gateway recorded during a Redis outage, when it restarts before Redis is back", async () => {
    await follower.stop();
    await redis.kill();
    const requestIds: string[] = [];
    for (let n = 0; n < 5; n++) {
      const refused = await postGraphQL(platform.url, "{ __typename }", {
        headers: { authorization: "Bearer not-a-token" },
      });
      expect(refused.status).toBeGreaterThanOrEqual(400);
      requestIds.push(refused.headers.get("x-request-id") as string);
    }
    const spool = path.join(platform.dataDir, "spool");
    expect(fs.readdirSync(spool).some((file) => file.startsWith("gateway-main."))).toBe(true);

    await platform.stop({ keepData: true });
    await redis.start();
    platform = await startPlatform(
      { databaseUrl: postgres.url, redisUrl: redis.url },
      {},
      { dataDir: platform.dataDir },
    );
    // The refusal sink records the first refusal of a (type, IP) at once and, when the gateway
    // stops, one event counting the other four (with the last one's request id): both spooled.
    const expectedIds = [requestIds[0], requestIds[4]];
    const recorded = async () => await platform.securityEvents();
    let missing = expectedIds;
    let events: Awaited<ReturnType<typeof recorded>> = [];
    const deadline = Date.now() + 30_000;
    while (missing.length > 0 && Date.now() < deadline) {
      events = await recorded();
      const ids = new Set(events.map((event) => event.requestId));
      missing = expectedIds.filter((id) => !ids.has(id));
      if (missing.length > 0) await sleep(200);
    }
    expect(missing).toEqual([]);
    expect(events.find((event) => event.requestId === requestIds[4])?.reason).toMatch(
      /^repeated 4 more times/,
    );
    expect(fs.readdirSync(spool).filter((file) => file.startsWith("gateway-main."))).toEqual([]);
  });
});
