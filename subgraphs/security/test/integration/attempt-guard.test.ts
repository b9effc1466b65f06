import { parseSecurityEvent, SECURITY_EVENT_STREAM, SecurityEventRecorder } from "@rampart/kit";
import type { Stores } from "@rampart/kit/stores";
import { storeImplementations } from "@rampart/kit/testing";
import { StoreAttemptGuard } from "../../src/modules/brute-force/attempt-guard";

const implementations = storeImplementations();

/** One attempt as the two-factor service makes it: guard, then a wrong code judged. */
async function wrongAttempt(guard: StoreAttemptGuard, userId: string, ip: string) {
  try {
    await guard.assertAllowed(userId, ip);
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code ?? "error";
  }
  // The code is checked here (a database round trip in the service).
  await new Promise((resolve) => setImmediate(resolve));
  await guard.recordFailure(userId, ip);
  return "judged";
}

describe.each(implementations)("the second-factor attempt guard on $name stores", ({ create }) => {
  let stores: Stores;
  let guard: StoreAttemptGuard;
  beforeEach(() => {
    stores = create();
    guard = new StoreAttemptGuard(stores, new SecurityEventRecorder(stores.events));
  });
  afterEach(() => stores.close());

  // Regression (attack suite): 50 wrong codes sent at once had 17 judged; the limit is 5.
  it("judges at most 5 of 50 wrong codes sent at once, refuses the rest, and locks once", async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () => wrongAttempt(guard, "user_racer", "203.0.113.7")),
    );
    expect(outcomes.filter((outcome) => outcome === "judged")).toHaveLength(5);
    expect(outcomes.filter((outcome) => outcome === "TOO_MANY_ATTEMPTS")).toHaveLength(45);
    await expect(guard.assertAllowed("user_racer", "203.0.113.8")).rejects.toMatchObject({
      extensions: { code: "TOO_MANY_ATTEMPTS" },
    });
    const events = (await stores.events.read(SECURITY_EVENT_STREAM, { count: 500 })).map((entry) =>
      parseSecurityEvent(entry.fields),
    );
    // The user once, however many attempts reached the threshold together (50 attempts from
    // one address in a moment lock the address too: each was counted there as well).
    const lockouts = events.filter((event) => event.type === "two_factor.lockout");
    expect(lockouts.filter((event) => event.reason.startsWith("user locked"))).toHaveLength(1);
    expect(lockouts.filter((event) => event.reason.startsWith("ip locked"))).toHaveLength(1);
  });

  it("takes a successful attempt back: a busy address is not locked by its users' successes", async () => {
    for (let n = 0; n < 30; n += 1) {
      const userId = `user_office_${n}`;
      await guard.assertAllowed(userId, "198.51.100.20");
      await guard.recordSuccess(userId, "198.51.100.20");
    }
    await expect(guard.assertAllowed("user_office_last", "198.51.100.20")).resolves.toBe(undefined);
  });

  it("counts a user's failures across attempts and starts again after a success", async () => {
    for (let n = 0; n < 4; n += 1) await wrongAttempt(guard, "user_slow", "203.0.113.9");
    await guard.assertAllowed("user_slow", "203.0.113.9");
    await guard.recordSuccess("user_slow", "203.0.113.9");
    for (let n = 0; n < 4; n += 1)
      expect(await wrongAttempt(guard, "user_slow", "203.0.113.9")).toBe("judged");
  });
});
