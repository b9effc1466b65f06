import {
  parseMetrics,
  postGraphQL,
  startPrivateRedis,
  testServices,
  type PrivateService,
} from "@rampart/kit/testing";
import { startPlatform, type TestPlatform } from "../support/platform";

jest.setTimeout(120_000);

/**
 * Redis down (issue 9 §2.7): the whole platform (both gateways and the four subgraphs) runs on
 * a Redis of this suite's own, stopped for 10 s under load: the gateways fail fast, anonymous
 * reads on main go on (the subgraphs check their assertions' single use in memory meanwhile),
 * and everything recovers without a restart.
 */
const services = testServices();
const describeReal = services.redisUrl ? describe : describe.skip;
const OUTAGE_MS = 10_000;
const FAST_MS = 100;

describeReal("the gateway while Redis is down", () => {
  let platform: TestPlatform;
  let redis: PrivateService;
  let mainUrl: string;
  let adminUrl: string;
  let token: string;

  /** One request: its status, first error code and how long it took. */
  const timed = async (url: string, query: string, signedIn: boolean) => {
    const started = performance.now();
    const { status, body } = await postGraphQL(url, query, {
      headers: signedIn ? { authorization: `Bearer ${token}` } : {},
    });
    return {
      status,
      code: body.errors?.[0]?.extensions?.code as string | undefined,
      data: body.data as Record<string, unknown> | null | undefined,
      ms: performance.now() - started,
    };
  };

  beforeAll(async () => {
    redis = await startPrivateRedis();
    // The load below must not spend the anonymous budget.
    platform = await startPlatform(
      { ...services, redisUrl: redis.url },
      { RATE_LIMIT_ANONYMOUS_PER_IP: "100000" },
    );
    mainUrl = platform.url;
    adminUrl = platform.adminUrl;
    token = platform.devToken(
      "--user",
      "user_demo_alice",
      "--org",
      "org_demo_acme",
      "--role",
      "admin",
    );
  });
  afterAll(async () => {
    await platform?.stop();
    await redis?.remove();
  });

  it("fails fast, serves anonymous reads on main, counts them, and recovers within 1 s", async () => {
    const me = "{ me { id } }";
    expect(await timed(mainUrl, me, true)).toMatchObject({
      status: 200,
      data: { me: { id: "user_demo_alice" } },
    });
    expect(await timed(adminUrl, "{ __typename }", true)).toMatchObject({ status: 200 });

    // Load: two clients reading anonymously on main for the whole test (bounded).
    let loading = true;
    const load: Record<string, number> = {};
    const client = async () => {
      for (let n = 0; loading && n < 2_000; n++) {
        const { status, code } = await timed(mainUrl, me, false);
        const key = `${status} ${code ?? "ok"}`;
        load[key] = (load[key] ?? 0) + 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const clients = [client(), client()];

    await redis.kill();
    const downAt = performance.now();
    const refused: number[] = [];
    const served: number[] = [];
    // Once the first failure is seen; every later round is measured.
    await new Promise((resolve) => setTimeout(resolve, 200));
    while (performance.now() - downAt < OUTAGE_MS - 500) {
      const [adminAnonymous, adminSignedIn, mainSignedIn, mainAnonymous] = await Promise.all([
        timed(adminUrl, "{ __typename }", false),
        timed(adminUrl, "{ __typename }", true),
        timed(mainUrl, me, true),
        timed(mainUrl, me, false),
      ]);
      for (const answer of [adminAnonymous, adminSignedIn, mainSignedIn]) {
        expect([answer.status, answer.code]).toEqual([503, "SERVICE_UNAVAILABLE"]);
        refused.push(answer.ms);
      }
      expect(mainAnonymous).toMatchObject({ status: 200, data: { me: null } });
      served.push(mainAnonymous.ms);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(refused.length).toBeGreaterThanOrEqual(60);
    expect(Math.max(...refused)).toBeLessThan(FAST_MS);

    const metrics = await fetch(mainUrl.replace(/\/graphql$/, "/metrics"));
    const degraded = parseMetrics(await metrics.text()).find(
      (sample) =>
        sample.name === "rampart_degraded_requests_total" &&
        sample.labels.mode === "anonymous-memory-rate-limit",
    );
    expect(degraded?.value).toBeGreaterThanOrEqual(served.length);

    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, OUTAGE_MS - (performance.now() - downAt))),
    );
    await redis.start();
    const upAt = performance.now();
    let recovered: Awaited<ReturnType<typeof timed>> | undefined;
    while (performance.now() - upAt < 5_000) {
      recovered = await timed(mainUrl, me, true);
      if (recovered.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const recoveryMs = performance.now() - upAt;
    loading = false;
    await Promise.all(clients);
    expect(recovered).toMatchObject({ status: 200, data: { me: { id: "user_demo_alice" } } });
    expect(recoveryMs).toBeLessThan(1_000);
    expect(await timed(adminUrl, "{ __typename }", true)).toMatchObject({ status: 200 });
    // The anonymous load was never refused, before, during or after the outage.
    expect(Object.keys(load)).toEqual(["200 ok"]);
    process.stdout.write(
      `redis outage: ${refused.length} refusals, slowest ${Math.max(...refused).toFixed(1)} ms; ` +
        `${served.length} degraded reads, slowest ${Math.max(...served).toFixed(1)} ms; ` +
        `recovered in ${recoveryMs.toFixed(0)} ms; load ${JSON.stringify(load)}\n`,
    );
  });
});
