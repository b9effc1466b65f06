import { SecurityLevel, SessionStore, SESSION_REVOKED_CHANNEL } from "../../src";
import type { Stores } from "../../src/stores";
import { storeImplementations } from "../../src/testing";

const implementations = storeImplementations();

const policy = {
  idleTimeoutMs: 30 * 60_000,
  absoluteTimeoutMs: 12 * 3_600_000,
  stepUpWindowMs: 10 * 60_000,
};
const t0 = Date.UTC(2026, 10, 28, 12);
const minutes = (n: number) => n * 60_000;
const claims = (sessionId = "sess_1", userId = "user_1") => ({
  sessionId,
  userId,
  organizationId: "org_1",
});
const from = (ip = "10.0.0.1") => ({ ip, userAgent: "jest" });
/** What a request admitted from `ip` at the session's first version saw. */
const seenFrom = (ip = "10.0.0.1", version = 1) => ({ ip, version });

describe.each(implementations)("SessionStore on $name stores", ({ create }) => {
  let stores: Stores;
  let sessions: SessionStore;
  beforeEach(() => {
    stores = create();
    sessions = new SessionStore(stores, policy);
  });
  afterEach(() => stores.close());

  it("starts a session at level 1 and resumes it", async () => {
    const first = await sessions.resume(claims(), from(), t0);
    expect(first).toMatchObject({ ok: true, created: true, level: SecurityLevel.SignedIn });
    const again = await sessions.resume(claims(), from(), t0 + minutes(1));
    expect(again).toMatchObject({
      ok: true,
      created: false,
      level: SecurityLevel.SignedIn,
      ipChanged: false,
    });
  });

  it("reaches level 3 on a second factor, decays to 2 after the step-up window", async () => {
    await sessions.resume(claims(), from(), t0);
    await sessions.markSecondFactor("sess_1", seenFrom(), t0 + minutes(1));
    expect(await sessions.resume(claims(), from(), t0 + minutes(5))).toMatchObject({
      level: SecurityLevel.StepUp,
    });
    expect(await sessions.resume(claims(), from(), t0 + minutes(12))).toMatchObject({
      level: SecurityLevel.SecondFactor,
    });
  });

  it("drops to level 1 when the client IP changes", async () => {
    await sessions.resume(claims(), from(), t0);
    await sessions.markSecondFactor("sess_1", seenFrom(), t0);
    const moved = await sessions.resume(claims(), from("10.9.9.9"), t0 + minutes(1));
    expect(moved).toMatchObject({ ok: true, ipChanged: true, level: SecurityLevel.SignedIn });
    expect((await sessions.get("sess_1"))?.ip).toBe("10.9.9.9");
  });

  it("a read made before a revocation cannot carry a due write past it", async () => {
    await sessions.resume(claims(), from(), t0);
    // Read alongside the budget decision, as the gateway does; the revocation lands before use.
    const prefetched = sessions.read("sess_1", "user_1");
    await prefetched;
    await sessions.revoke("sess_1", "revoked", t0 + minutes(1));
    // The touch is due, so the write compares against the stale read, fails, and reads again.
    expect(await sessions.resume(claims(), from(), t0 + minutes(2), prefetched)).toEqual({
      ok: false,
      reason: "session-revoked",
    });
  });

  it("expires after the idle timeout, for good", async () => {
    await sessions.resume(claims(), from(), t0);
    expect(await sessions.resume(claims(), from(), t0 + minutes(31))).toEqual({
      ok: false,
      reason: "session-expired-idle",
    });
    expect(await sessions.resume(claims(), from(), t0 + minutes(32))).toEqual({
      ok: false,
      reason: "session-revoked",
    });
  });

  it("expires after the absolute timeout even when active", async () => {
    await sessions.resume(claims(), from(), t0);
    for (let at = t0; at < t0 + policy.absoluteTimeoutMs; at += minutes(20)) {
      expect((await sessions.resume(claims(), from(), at)).ok).toBe(true);
    }
    expect(
      await sessions.resume(claims(), from(), t0 + policy.absoluteTimeoutMs + minutes(1)),
    ).toEqual({
      ok: false,
      reason: "session-expired-absolute",
    });
  });

  it("revokes one session and announces it", async () => {
    const announced: string[] = [];
    const unsubscribe = await stores.pubsub.subscribe(SESSION_REVOKED_CHANNEL, (message) =>
      announced.push(message),
    );
    await sessions.resume(claims("sess_1"), from(), t0);
    await sessions.resume(claims("sess_2"), from(), t0);
    await sessions.revoke("sess_1", "test", t0 + 1);
    expect(await sessions.resume(claims("sess_1"), from(), t0 + 2)).toEqual({
      ok: false,
      reason: "session-revoked",
    });
    expect((await sessions.resume(claims("sess_2"), from(), t0 + 2)).ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(announced).toContain(JSON.stringify({ sessionId: "sess_1" }));
    await unsubscribe();
  });

  it("revokes all of a user's sessions, but not a later sign-in or another user's", async () => {
    await sessions.resume(claims("sess_a", "user_1"), from(), t0);
    await sessions.resume(claims("sess_b", "user_1"), from(), t0);
    await sessions.resume(claims("sess_c", "user_2"), from(), t0);
    await sessions.revokeUser("user_1", t0 + 10);
    expect((await sessions.resume(claims("sess_a", "user_1"), from(), t0 + 20)).ok).toBe(false);
    expect((await sessions.resume(claims("sess_b", "user_1"), from(), t0 + 20)).ok).toBe(false);
    expect((await sessions.resume(claims("sess_c", "user_2"), from(), t0 + 20)).ok).toBe(true);
    expect((await sessions.resume(claims("sess_new", "user_1"), from(), t0 + 30)).ok).toBe(true);
    expect((await sessions.listForUser("user_1", t0 + 30)).map((s) => s.id)).toEqual(["sess_new"]);
  });

  it("revokes every session", async () => {
    await sessions.resume(claims("sess_a", "user_1"), from(), t0);
    await sessions.resume(claims("sess_c", "user_2"), from(), t0);
    await sessions.revokeAll(t0 + 10);
    expect((await sessions.resume(claims("sess_a", "user_1"), from(), t0 + 20)).ok).toBe(false);
    expect((await sessions.resume(claims("sess_c", "user_2"), from(), t0 + 20)).ok).toBe(false);
  });

  it("refuses a session id presented with another user's token", async () => {
    await sessions.resume(claims("sess_1", "user_1"), from(), t0);
    expect(await sessions.resume(claims("sess_1", "user_2"), from(), t0 + 1)).toEqual({
      ok: false,
      reason: "session-user-mismatch",
    });
  });

  it("lists a user's usable sessions, newest first", async () => {
    await sessions.resume(claims("sess_old"), from(), t0);
    await sessions.resume(claims("sess_new"), from(), t0 + 1000);
    await sessions.resume(claims("sess_gone"), from(), t0 + 2000);
    await sessions.revoke("sess_gone", "test", t0 + 3000);
    expect((await sessions.listForUser("user_1", t0 + 4000)).map((s) => s.id)).toEqual([
      "sess_new",
      "sess_old",
    ]);
  });

  describe("compare-and-set (regressions: 2FA capture, revocation undone)", () => {
    it("stamps the second factor only on the binding the verifying request saw", async () => {
      // The victim's verify request is admitted from 10.0.0.1 at version 1 ...
      const admitted = await sessions.resume(claims(), from("10.0.0.1"), t0);
      expect(admitted).toMatchObject({ ok: true, session: { version: 1 } });
      // ... then the attacker's request with the stolen token moves the session to 10.6.6.6 ...
      const moved = await sessions.resume(claims(), from("10.6.6.6"), t0 + 1000);
      expect(moved).toMatchObject({ ok: true, ipChanged: true, session: { version: 2 } });
      // ... and the victim's verified code must not raise the attacker's session.
      expect(await sessions.markSecondFactor("sess_1", seenFrom("10.0.0.1", 1), t0 + 2000)).toBe(
        null,
      );
      expect(await sessions.resume(claims(), from("10.6.6.6"), t0 + 3000)).toMatchObject({
        level: SecurityLevel.SignedIn,
      });
      // Moving back to the victim's IP is a new version: the old binding still does not match.
      await sessions.resume(claims(), from("10.0.0.1"), t0 + 4000);
      expect(await sessions.markSecondFactor("sess_1", seenFrom("10.0.0.1", 1), t0 + 5000)).toBe(
        null,
      );
      expect(
        await sessions.markSecondFactor("sess_1", seenFrom("10.0.0.1", 3), t0 + 6000),
      ).toMatchObject({ ip: "10.0.0.1", secondFactorAt: t0 + 6000 });
    });

    it("never stamps an ended session", async () => {
      await sessions.resume(claims(), from(), t0);
      await sessions.revoke("sess_1", "revoked", t0 + 1000);
      expect(await sessions.markSecondFactor("sess_1", seenFrom(), t0 + 2000)).toBe(null);
    });

    it("a stamp racing an IP change from a second replica lands on the victim's IP or not at all", async () => {
      const replica = new SessionStore(stores, policy);
      for (let round = 0; round < 40; round += 1) {
        const id = `sess_stamp_${round}`;
        await sessions.resume(claims(id), from("10.0.0.1"), t0);
        const at = t0 + minutes(1);
        await Promise.all([
          sessions.markSecondFactor(id, seenFrom("10.0.0.1", 1), at),
          replica.resume(claims(id), from("10.6.6.6"), at),
        ]);
        const session = await sessions.get(id);
        // Whichever came first, the attacker's IP never holds a second factor.
        if (session?.ip === "10.6.6.6") expect(session.secondFactorAt).toBe(null);
      }
    });

    it("a revocation racing resumes on two replicas is never undone", async () => {
      // Two gateways share the stores; each resume from a new IP writes the session.
      const replica = new SessionStore(stores, policy);
      for (let round = 0; round < 25; round += 1) {
        const id = `sess_race_${round}`;
        await sessions.resume(claims(id), from("10.0.0.1"), t0);
        const at = t0 + minutes(1);
        await Promise.all([
          ...Array.from({ length: 6 }, (_, n) =>
            (n % 2 === 0 ? sessions : replica).resume(claims(id), from(`10.0.1.${n}`), at + n),
          ),
          replica.revoke(id, "revoked", at),
          ...Array.from({ length: 6 }, (_, n) =>
            (n % 2 === 0 ? replica : sessions).resume(claims(id), from(`10.0.2.${n}`), at + n),
          ),
        ]);
        expect((await sessions.get(id))?.revokedAt).not.toBe(null);
        expect(await sessions.resume(claims(id), from("10.0.0.1"), at + 100)).toEqual({
          ok: false,
          reason: "session-revoked",
        });
      }
    });
  });

  // Regression (review): sessions took their start from the gateway's clock and bulk
  // revocations from the security subgraph's, so a gateway running ahead kept sessions it
  // started just before `revokeAll` alive. Both now read the stores' clock.
  it("revokes every session started before revokeAll, whatever the replica's clock says", async () => {
    if (stores.kind !== "redis") return; // the memory stores' clock is the process's own
    const ahead = jest
      .spyOn(Date, "now")
      .mockImplementation(() => Math.floor(performance.timeOrigin + performance.now()) + 60_000);
    try {
      expect(await sessions.resume(claims("sess_skewed"), from())).toMatchObject({ ok: true });
    } finally {
      ahead.mockRestore();
    }
    await sessions.revokeAll();
    expect(await sessions.resume(claims("sess_skewed"), from())).toEqual({
      ok: false,
      reason: "session-revoked",
    });
  });

  // Review finding: a sign-in from before revokeUser that no gateway had seen (Clerk keeps
  // refreshing its tokens) started a fresh, live session after the revocation.
  it("ends on sight a session signed in before a bulk revocation, even one never seen", async () => {
    await sessions.revokeUser("user_1", t0 + minutes(10));
    const before = { ...claims("sess_unseen"), firstFactorAt: t0 + minutes(5) };
    expect(await sessions.resume(before, from(), t0 + minutes(11))).toEqual({
      ok: false,
      reason: "session-revoked",
    });
    // Ended for good: a later token of the same session is refused too.
    expect(await sessions.resume(claims("sess_unseen"), from(), t0 + minutes(12))).toEqual({
      ok: false,
      reason: "session-revoked",
    });
    // A sign-in after the revocation starts normally.
    const after = { ...claims("sess_after"), firstFactorAt: t0 + minutes(10) + 1_000 };
    expect(await sessions.resume(after, from(), t0 + minutes(11))).toMatchObject({ ok: true });
  });

  describe("countActive", () => {
    it("is 0 before any session starts", async () => {
      expect(await sessions.countActive(t0)).toBe(0);
    });

    it("counts each started session once, however often it is resumed, on every replica", async () => {
      await sessions.resume(claims("sess_a"), from(), t0);
      await sessions.resume(claims("sess_b", "user_2"), from(), t0);
      await sessions.resume(claims("sess_a"), from(), t0 + minutes(1));
      await sessions.resume(claims("sess_a"), from(), t0 + minutes(2));
      const replica = new SessionStore(stores, policy);
      expect(await sessions.countActive(t0 + minutes(3))).toBe(2);
      expect(await replica.countActive(t0 + minutes(3))).toBe(2);
    });

    it("drops a revoked session at once", async () => {
      await sessions.resume(claims("sess_a"), from(), t0);
      await sessions.resume(claims("sess_b"), from(), t0);
      await sessions.revoke("sess_a", "test", t0 + 1000);
      expect(await sessions.countActive(t0 + 2000)).toBe(1);
    });

    it("drops every session of a revoked user, and counts that user's later sign-in", async () => {
      await sessions.resume(claims("sess_a"), from(), t0);
      await sessions.resume(claims("sess_b"), from(), t0);
      await sessions.resume(claims("sess_c", "user_2"), from(), t0);
      await sessions.revokeUser("user_1", t0 + 1000);
      expect(await sessions.countActive(t0 + 2000)).toBe(1);
      await sessions.resume(claims("sess_d"), from(), t0 + 3000);
      expect(await sessions.countActive(t0 + 4000)).toBe(2);
    });

    it("drops every session on revokeAll, and counts sign-ins after it", async () => {
      await sessions.resume(claims("sess_a"), from(), t0);
      await sessions.resume(claims("sess_b", "user_2"), from(), t0);
      await sessions.revokeAll(t0 + 1000);
      expect(await sessions.countActive(t0 + 2000)).toBe(0);
      await sessions.resume(claims("sess_c", "user_2"), from(), t0 + 3000);
      expect(await sessions.countActive(t0 + 4000)).toBe(1);
    });

    it("drops sessions past the idle or absolute timeout without any request", async () => {
      await sessions.resume(claims("sess_idle"), from(), t0);
      await sessions.resume(claims("sess_busy"), from(), t0);
      // sess_busy stays active every 20 minutes; sess_idle is never seen again.
      for (let at = minutes(20); at <= minutes(60); at += minutes(20)) {
        await sessions.resume(claims("sess_busy"), from(), t0 + at);
      }
      expect(await sessions.countActive(t0 + minutes(61))).toBe(1);
      expect(await sessions.countActive(t0 + policy.absoluteTimeoutMs + 1)).toBe(0);
    });

    it("prunes ended sessions from its index, so a later count reads only live ones", async () => {
      for (let n = 0; n < 5; n += 1) await sessions.resume(claims(`sess_${n}`), from(), t0);
      await sessions.revokeUser("user_1", t0 + 1000);
      expect(await sessions.countActive(t0 + 2000)).toBe(0);
      expect(await stores.sets.members("live-sessions")).toEqual([]);
      await sessions.resume(claims("sess_new"), from(), t0 + 3000);
      expect(await stores.sets.members("live-sessions")).toEqual(["sess_new"]);
    });
  });
});
