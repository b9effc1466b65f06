import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  parseSecurityEvent,
  SECURITY_EVENT_STREAM,
  SecurityEventRecorder,
  SECURITY_EVENT_TEXT_LIMITS,
  SecurityEventSpool,
  type SecurityEventInput,
} from "../../src";
import { createMemoryStores, type EventStream } from "../../src/stores";

const input = (reason: string): SecurityEventInput => ({
  type: "authentication.failed",
  severity: "medium",
  actorId: null,
  organizationId: null,
  ip: "203.0.113.7",
  reason,
  requestId: null,
});

/** The memory stream, unreachable while `down` is true (as Redis is during an outage). */
function flakyStream(events: EventStream) {
  const state = { down: false };
  const stream: EventStream = {
    ...events,
    append: (...args) =>
      state.down
        ? Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379"))
        : events.append(...args),
  };
  return { stream, state };
}

describe("SecurityEventRecorder", () => {
  it("throws when the stream is down and it has no buffer (a CLI must fail loudly)", async () => {
    const stores = createMemoryStores();
    const { stream, state } = flakyStream(stores.events);
    state.down = true;
    await expect(new SecurityEventRecorder(stream).record(input("x"))).rejects.toThrow(
      "ECONNREFUSED",
    );
    await stores.close();
  });

  it("writes every field cleaned and cut, whoever records it (a 100 kB reason included)", async () => {
    const stores = createMemoryStores();
    const huge = `\u0000\r\n${"x".repeat(100_000)}`;
    const recorder = new SecurityEventRecorder(stores.events);
    const returned = await recorder.record({
      type: `t${huge}`,
      severity: "medium",
      actorId: `u${huge}`,
      organizationId: `o${huge}`,
      ip: `i${huge}`,
      reason: `r${huge}`,
      requestId: `q${huge}`,
      occurredAt: `2024-01-01T00:00:00.000Z${huge}`,
    });
    const [entry] = await stores.events.read(SECURITY_EVENT_STREAM);
    expect(parseSecurityEvent(entry.fields)).toEqual(returned);
    const { reason, other } = SECURITY_EVENT_TEXT_LIMITS;
    expect(returned.reason.length).toBeLessThanOrEqual(reason);
    expect(returned.reason).toMatch(/^r x+…\[cut \d+ chars\]$/);
    for (const field of ["type", "actorId", "organizationId", "ip", "requestId", "occurredAt"]) {
      const value = returned[field as keyof typeof returned] as string;
      expect(value.length).toBeLessThanOrEqual(other);
      expect(value).toMatch(/^\S+ x+…\[cut \d+ chars\]$/);
    }
    expect(entry.fields.event.length).toBeLessThan(reason + 6 * other + 500);
    await stores.close();
  });

  it("buffers events while the stream is down and appends them, in order, once it is back", async () => {
    const stores = createMemoryStores();
    const { stream, state } = flakyStream(stores.events);
    const problems: string[] = [];
    const recorder = new SecurityEventRecorder(stream, {
      bufferLimit: 10,
      retryInitialMs: 5,
      onBufferProblem: ({ kind }) => problems.push(kind),
    });
    await recorder.record(input("before"));
    state.down = true;
    for (const reason of ["a", "b", "c"]) await recorder.record(input(reason));
    expect(recorder.pending).toBe(3);
    state.down = false;
    // Recorded after the outage but before the buffer drained: queued behind it.
    await recorder.record(input("after"));
    await recorder.flush();
    const stored = await stores.events.read(SECURITY_EVENT_STREAM, { count: 100 });
    expect(stored.map((entry) => parseSecurityEvent(entry.fields).reason)).toEqual([
      "before",
      "a",
      "b",
      "c",
      "after",
    ]);
    expect(recorder.pending).toBe(0);
    expect(problems).toEqual(["buffered"]);
    await stores.close();
  });

  it("drops, and says so, what exceeds the buffer", async () => {
    const stores = createMemoryStores();
    const { stream, state } = flakyStream(stores.events);
    const problems: string[] = [];
    const recorder = new SecurityEventRecorder(stream, {
      bufferLimit: 2,
      retryInitialMs: 5,
      onBufferProblem: ({ kind }) => problems.push(kind),
    });
    state.down = true;
    for (const reason of ["a", "b", "c"]) await recorder.record(input(reason));
    expect(problems).toEqual(["buffered", "dropped"]);
    state.down = false;
    await recorder.flush();
    expect(await stores.events.length(SECURITY_EVENT_STREAM)).toBe(2);
    await stores.close();
  });
});

describe("SecurityEventRecorder with a spool", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-spool-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const spool = (pid: number) =>
    new SecurityEventSpool({ dir, service: "security", pid, isRunning: () => false });

  it("spools what it buffers, and removes the spool once the stream has it all", async () => {
    const stores = createMemoryStores();
    const { stream, state } = flakyStream(stores.events);
    const recorder = new SecurityEventRecorder(stream, {
      bufferLimit: 10,
      retryInitialMs: 5,
      spool: spool(100),
    });
    await recorder.record(input("up"));
    expect(fs.readdirSync(dir)).toEqual([]);
    state.down = true;
    await recorder.record(input("a"));
    await recorder.record(input("b"));
    expect(fs.readFileSync(path.join(dir, "security.100.jsonl"), "utf8")).toContain('"reason":"b"');
    state.down = false;
    await recorder.flush();
    expect(fs.readdirSync(dir)).toEqual([]);
    await stores.close();
  });

  it("appends, first and in order, what a process that died during an outage left", async () => {
    const stores = createMemoryStores();
    const { stream, state } = flakyStream(stores.events);
    state.down = true;
    const dead = new SecurityEventRecorder(stream, {
      bufferLimit: 10,
      retryInitialMs: 60_000,
      spool: spool(100),
    });
    const lost = [await dead.record(input("a")), await dead.record(input("b"))];
    // The process dies here; the stream comes back; its successor starts.
    state.down = false;
    const successor = new SecurityEventRecorder(stream, { bufferLimit: 10, spool: spool(200) });
    expect(successor.recover()).toBe(2);
    await successor.record(input("after the restart"));
    await successor.flush();
    const stored = (await stores.events.read(SECURITY_EVENT_STREAM, { count: 10 })).map((entry) =>
      parseSecurityEvent(entry.fields),
    );
    expect(stored.map(({ reason }) => reason)).toEqual(["a", "b", "after the restart"]);
    expect(stored.slice(0, 2)).toEqual(lost);
    expect(fs.readdirSync(dir)).toEqual([]);
    await stores.close();
  });

  it("reports a spool it cannot write once per outage, and still buffers in memory", async () => {
    const stores = createMemoryStores();
    const { stream, state } = flakyStream(stores.events);
    fs.writeFileSync(path.join(dir, "not-a-folder"), "");
    const problems: string[] = [];
    const recorder = new SecurityEventRecorder(stream, {
      bufferLimit: 10,
      retryInitialMs: 5,
      spool: new SecurityEventSpool({
        dir: path.join(dir, "not-a-folder", "spool"),
        service: "security",
      }),
      onBufferProblem: ({ kind }) => problems.push(kind),
    });
    state.down = true;
    for (const reason of ["a", "b", "c"]) await recorder.record(input(reason));
    expect(problems).toEqual(["buffered", "not spooled"]);
    state.down = false;
    await recorder.flush();
    expect(await stores.events.length(SECURITY_EVENT_STREAM)).toBe(3);
    await stores.close();
  });

  it("keeps the spool near what is still buffered while events keep coming", async () => {
    const stores = createMemoryStores();
    const { stream, state } = flakyStream(stores.events);
    let appendsLeft = Infinity;
    const gated: EventStream = {
      ...stream,
      append: (...args) => {
        if (appendsLeft <= 0) return Promise.reject(new Error("connect ECONNREFUSED"));
        appendsLeft -= 1;
        return stream.append(...args);
      },
    };
    const recorder = new SecurityEventRecorder(gated, {
      bufferLimit: 10_000,
      retryInitialMs: 5,
      spool: spool(100),
    });
    state.down = true;
    for (let n = 0; n < 3_000; n++) await recorder.record(input(`${n}`));
    const spooled = () =>
      fs.readFileSync(path.join(dir, "security.100.jsonl"), "utf8").trim().split("\n").length;
    expect(spooled()).toBe(3_000);
    // The stream comes back for 2,500 appends, then goes away again.
    appendsLeft = 2_500;
    state.down = false;
    while (recorder.pending > 500) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(spooled()).toBeLessThanOrEqual(1_000);
    // Whatever the spool holds is still to be appended: a successor would lose nothing.
    const successor = spool(200);
    const left = successor.recover().map(({ reason }) => Number(reason));
    expect(left.at(-1)).toBe(2_999);
    expect(left[0]).toBeLessThanOrEqual(2_500);
    appendsLeft = Infinity;
    await recorder.flush();
    await stores.close();
  });

  it("does not count recovered events against the buffer", async () => {
    const stores = createMemoryStores();
    const { stream, state } = flakyStream(stores.events);
    state.down = true;
    const dead = new SecurityEventRecorder(stream, {
      bufferLimit: 3,
      retryInitialMs: 60_000,
      spool: spool(100),
    });
    for (const reason of ["a", "b", "c"]) await dead.record(input(reason));
    const problems: string[] = [];
    const successor = new SecurityEventRecorder(stream, {
      bufferLimit: 3,
      retryInitialMs: 5,
      spool: spool(200),
      onBufferProblem: ({ kind }) => problems.push(kind),
    });
    expect(successor.recover()).toBe(3);
    await successor.record(input("new"));
    expect(problems).not.toContain("dropped");
    state.down = false;
    await successor.flush();
    expect(await stores.events.length(SECURITY_EVENT_STREAM)).toBe(4);
    await stores.close();
  });
});
