import {
  boundText,
  createRefusalSink,
  cutMarker,
  parseSecurityEvent,
  REFUSAL_TEXT_LIMIT,
  SECURITY_EVENT_STREAM,
  SecurityEventRecorder,
  type Refusal,
  type RefusalSinkOptions,
  type SecurityEvent,
} from "../../src";
import { createMemoryStores, type Stores } from "../../src/stores";

/** Control characters and invisible marks the cleaned text must not hold. */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2028\u2029\ufeff]/;

const refusal = (overrides: Partial<Refusal> = {}): Refusal => ({
  type: "cors.origin_not_allowed",
  severity: "medium",
  reason: 'origin "https://evil.example" is not allowed',
  ip: "203.0.113.9",
  requestId: "req-1",
  ...overrides,
});

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("boundText", () => {
  it("keeps short clean text as it is", () => {
    expect(boundText("origin https://a.example", 64)).toBe("origin https://a.example");
  });

  it("replaces control characters and invisible marks by a space, lone surrogates by U+FFFD", () => {
    const cleaned = boundText("a\r\nSet-Cookie: x\u0000\u202eb\u2028c\ud800d", 64);
    expect(cleaned).toBe("a Set-Cookie: x b c\ufffdd");
    expect(cleaned).not.toMatch(INVISIBLE);
  });

  it("cuts to the limit, marker included, saying how much was cut", () => {
    for (const length of [257, 300, 1_000, 12_000, 1_000_000]) {
      const cut = boundText("x".repeat(length), 256);
      expect(cut.length).toBeLessThanOrEqual(256);
      const kept = cut.indexOf("…");
      expect(cut.slice(kept)).toBe(cutMarker(length - kept));
    }
  });

  it("never splits a surrogate pair", () => {
    for (let limit = 40; limit < 60; limit += 1) {
      const cut = boundText("😀".repeat(100), limit);
      expect(cut.length).toBeLessThanOrEqual(limit);
      expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    }
  });
});

describe("createRefusalSink", () => {
  let stores: Stores;
  let recorder: SecurityEventRecorder;
  const sinks: ReturnType<typeof createRefusalSink>[] = [];

  const sink = (options: Partial<RefusalSinkOptions> = {}) => {
    const created = createRefusalSink({ recorder, windowMs: 60_000, ...options });
    sinks.push(created);
    return created;
  };
  const events = async (): Promise<SecurityEvent[]> =>
    (await stores.events.read(SECURITY_EVENT_STREAM, { count: 100_000 })).map((entry) =>
      parseSecurityEvent(entry.fields),
    );

  beforeEach(() => {
    stores = createMemoryStores();
    recorder = new SecurityEventRecorder(stores.events);
  });
  afterEach(async () => {
    await Promise.all(sinks.splice(0).map((created) => created.close()));
    await stores.close();
  });

  it("records the first refusal of a (type, IP) at once and counts the rest in one event when the window ends", async () => {
    const refusals = sink({ windowMs: 300 });
    for (let i = 0; i < 1_000; i += 1) {
      refusals.refuse(refusal({ requestId: `req-${i}`, reason: `origin "o${i}" is not allowed` }));
    }
    await refusals.settled();
    const [first, ...none] = await events();
    expect(none).toEqual([]);
    expect(first).toMatchObject({
      type: "cors.origin_not_allowed",
      severity: "medium",
      ip: "203.0.113.9",
      actorId: null,
      organizationId: null,
      requestId: "req-0",
      reason: 'origin "o0" is not allowed',
    });
    await waitFor("the window's count", async () => (await events()).length === 2);
    await refusals.settled();
    const summary = (await events())[1];
    expect(summary).toMatchObject({
      type: "cors.origin_not_allowed",
      ip: "203.0.113.9",
      requestId: "req-999",
    });
    expect(summary.reason).toMatch(/^repeated 999 more times from this IP in the 0\.3 s from /);
    expect(summary.reason).toMatch(/; last: origin "o999" is not allowed$/);
    expect(refusals.openWindows).toBe(0);
    // A new window starts with the next refusal, recorded at once again.
    refusals.refuse(refusal({ requestId: "req-again" }));
    await refusals.settled();
    expect((await events()).map((event) => event.requestId)).toEqual([
      "req-0",
      "req-999",
      "req-again",
    ]);
  });

  it("records no count for a window with a single refusal", async () => {
    const refusals = sink({ windowMs: 50 });
    refusals.refuse(refusal());
    await waitFor("the window to end", async () => refusals.openWindows === 0);
    await refusals.settled();
    expect(await events()).toHaveLength(1);
  });

  it("keeps a window per type and per IP", async () => {
    const refusals = sink();
    for (let i = 0; i < 10; i += 1) {
      refusals.refuse(refusal());
      refusals.refuse(refusal({ ip: "203.0.113.10" }));
      refusals.refuse(refusal({ ip: null }));
      refusals.refuse(refusal({ type: "authentication.failed", reason: "token-expired" }));
    }
    await refusals.settled();
    const recorded = await events();
    expect(recorded.map((event) => `${event.type} ${event.ip}`)).toEqual([
      "cors.origin_not_allowed 203.0.113.9",
      "cors.origin_not_allowed 203.0.113.10",
      "cors.origin_not_allowed null",
      "authentication.failed 203.0.113.9",
    ]);
    expect(refusals.openWindows).toBe(4);
    await refusals.close();
    const counted = (await events()).slice(4);
    expect(counted).toHaveLength(4);
    for (const event of counted) expect(event.reason).toMatch(/^repeated 9 more times /);
  });

  it("cleans and cuts every string a refusal carries, a 12 kB Origin included", async () => {
    const refusals = sink();
    const origin = `https://evil.example/${"\u0000\r\n\u202e".repeat(5)}${"a".repeat(12_000)}`;
    const long = (text: string) => `${text}\u0007${"z".repeat(10_000)}`;
    refusals.refuse({
      type: long("cors.origin_not_allowed"),
      severity: "medium",
      reason: `origin ${JSON.stringify(origin)} is not allowed; raw: ${origin}`,
      ip: long("203.0.113.9"),
      actorId: long("user"),
      organizationId: long("org"),
      requestId: long("req"),
    });
    // Cut to the same text: one window, however the rest of the text differs.
    refusals.refuse(
      refusal({
        type: long("cors.origin_not_allowed"),
        ip: long("203.0.113.9"),
        actorId: long("user"),
        organizationId: long("org"),
      }),
    );
    await refusals.close();
    const recorded = await events();
    expect(recorded).toHaveLength(2);
    for (const event of recorded) {
      for (const field of ["type", "ip", "actorId", "organizationId", "requestId"] as const) {
        const value = event[field];
        if (value === null) continue;
        expect(value.length).toBeLessThanOrEqual(REFUSAL_TEXT_LIMIT);
        expect(value).not.toMatch(INVISIBLE);
      }
      expect(event.reason).not.toMatch(INVISIBLE);
    }
    expect(recorded[0].reason.length).toBeLessThanOrEqual(REFUSAL_TEXT_LIMIT);
    expect(recorded[0].reason).toMatch(/…\[cut \d+ chars\]$/);
    expect(recorded[0].type).toMatch(/^cors\.origin_not_allowed z+…\[cut \d+ chars\]$/);
    expect(recorded[1].reason).toMatch(/^repeated 1 more times /);
    expect(recorded[1].reason.length).toBeLessThanOrEqual(2 * REFUSAL_TEXT_LIMIT);
  });

  it("tracks at most maxSources IPs, then counts every further IP under one entry per type", async () => {
    const refusals = sink({ maxSources: 10 });
    for (let i = 0; i < 5_000; i += 1) {
      const ip = `2001:db8::${i.toString(16)}`;
      refusals.refuse(refusal({ ip }));
      refusals.refuse(refusal({ ip, type: "authentication.failed" }));
    }
    // Sources are counted per type: 10 tracked IPs and one "many" entry for each.
    expect(refusals.openWindows).toBe(22);
    await refusals.settled();
    const recorded = await events();
    expect(recorded).toHaveLength(22);
    const many = recorded.filter((event) => event.ip === null);
    expect(many.map((event) => event.type).sort()).toEqual([
      "authentication.failed",
      "cors.origin_not_allowed",
    ]);
    for (const event of many) {
      expect(event.reason).toMatch(/^refused from more than 10 sources within 60 s; /);
    }
    await refusals.close();
    const counted = (await events()).slice(22);
    // Per type: 10 IPs tracked, the 11th recorded as "many", 4989 counted.
    expect(counted.map((event) => event.reason.replace(/ in the .*/, ""))).toEqual([
      "repeated 4989 more times from IPs beyond the tracked ones",
      "repeated 4989 more times from IPs beyond the tracked ones",
    ]);
    // The "many" entries name no IP and no caller: they stand for all of them.
    expect(many.every((event) => event.actorId === null && event.organizationId === null)).toBe(
      true,
    );
  });

  // Regressions (review): a refusal under a real user was counted under an anonymous first
  // event of the same type and IP, and a flood of one type blinded every other type.
  it("never counts one caller's refusal under another's, nor blinds a type by flooding another", async () => {
    const refusals = sink({ maxSources: 10 });
    refusals.refuse(refusal({ type: "lockdown.refused", actorId: null, requestId: "req-anon" }));
    refusals.refuse(
      refusal({ type: "lockdown.refused", actorId: "user_insider", requestId: "req-insider" }),
    );
    for (let i = 0; i < 100; i += 1) refusals.refuse(refusal({ ip: `2001:db8::${i}` }));
    refusals.refuse(
      refusal({ type: "ip_allowlist.refused", ip: "198.51.100.10", actorId: "user_b" }),
    );
    await refusals.settled();
    const recorded = await events();
    expect(recorded.find((event) => event.requestId === "req-insider")).toMatchObject({
      actorId: "user_insider",
    });
    expect(recorded.find((event) => event.type === "ip_allowlist.refused")).toMatchObject({
      ip: "198.51.100.10",
      actorId: "user_b",
    });
    await refusals.close();
  });

  it("records the counts of open windows on close, and each later refusal by itself", async () => {
    const refusals = sink();
    refusals.refuse(refusal());
    refusals.refuse(refusal());
    await refusals.close();
    expect(refusals.openWindows).toBe(0);
    refusals.refuse(refusal({ requestId: "after-close" }));
    await refusals.settled();
    expect((await events()).map((event) => event.requestId)).toEqual([
      "req-1",
      "req-1",
      "after-close",
    ]);
  });

  it("tells onError when the recorder fails, and never throws to the caller", async () => {
    const failures: unknown[] = [];
    await stores.close(); // the stream is gone; a recorder without a buffer throws
    const refusals = sink({ onError: (error) => failures.push(error) });
    expect(() => refusals.refuse(refusal())).not.toThrow();
    await refusals.settled();
    expect(failures).toHaveLength(1);
    stores = createMemoryStores();
  });

  it("refuses settings that cannot bound anything", () => {
    expect(() => sink({ windowMs: 0 })).toThrow(RangeError);
    expect(() => sink({ maxSources: 0 })).toThrow(RangeError);
    expect(() => sink({ maxTextLength: 4 })).toThrow(RangeError);
  });
});
