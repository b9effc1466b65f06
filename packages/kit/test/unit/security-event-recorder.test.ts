import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createMemoryStores,
  parseSecurityEvent,
  SECURITY_EVENT_STREAM,
  SecurityEventRecorder,
  SecurityEventSpool,
  type EventStream,
  type SecurityEventInput,
} from "../../src";

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
});
