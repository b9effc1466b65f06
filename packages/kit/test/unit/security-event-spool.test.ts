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
  type SecurityEvent,
  type SecurityEventSpoolOptions,
} from "../../src";

const event = (reason: string): SecurityEvent => ({
  id: `00000000-0000-4000-8000-${reason.padStart(12, "0")}`,
  type: "authentication.failed",
  severity: "medium",
  actorId: null,
  organizationId: null,
  ip: "203.0.113.7",
  reason,
  requestId: null,
  occurredAt: "2030-01-01T00:00:00.000Z",
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

describe("SecurityEventSpool", () => {
  let dir: string;
  /** Processes 100 and 200 run; every other id is gone. */
  const spool = (pid: number, options: Partial<SecurityEventSpoolOptions> = {}) =>
    new SecurityEventSpool({
      dir,
      service: "gateway-main",
      pid,
      isRunning: (other) => other === 100 || other === 200,
      ...options,
    });
  const files = () => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
  const reasons = (events: SecurityEvent[]) => events.map((recovered) => recovered.reason);

  beforeEach(() => {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rampart-spool-")), "spool");
  });
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it("keeps events in a file of its own, readable only by its user, until cleared", () => {
    const own = spool(100);
    own.add(event("1"));
    own.add(event("2"));
    expect(files()).toEqual(["gateway-main.100.jsonl"]);
    const file = path.join(dir, "gateway-main.100.jsonl");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, "utf8").trim().split("\n")).toHaveLength(2);
    own.clear();
    expect(files()).toEqual([]);
  });

  it("recovers the files of processes of its service that are gone, never of running ones", () => {
    spool(300).add(event("gone-1"));
    spool(300).add(event("gone-2"));
    spool(200).add(event("running"));
    spool(300, { service: "security" }).add(event("other service"));
    const recovered = spool(100).recover();
    expect(reasons(recovered)).toEqual(["gone-1", "gone-2"]);
    // Moved into the recovering process's own file, until it clears it.
    expect(files()).toEqual([
      "gateway-main.100.jsonl",
      "gateway-main.200.jsonl",
      "security.300.jsonl",
    ]);
    expect(spool(100).recover()).toEqual(recovered);
    expect(spool(400, { isRunning: () => false }).recover()).toHaveLength(3);
  });

  it("recovers a file with its own process id (a container restarted with the same pid)", () => {
    spool(100).add(event("before the restart"));
    expect(reasons(spool(100).recover())).toEqual(["before the restart"]);
  });

  it("leaves a file another running process is recovering, and takes one whose recoverer died", () => {
    fs.mkdirSync(dir, { recursive: true });
    const line = `${JSON.stringify(event("claimed"))}\n`;
    fs.writeFileSync(path.join(dir, "gateway-main.300.200.jsonl"), line);
    fs.writeFileSync(path.join(dir, "gateway-main.301.302.jsonl"), line);
    expect(reasons(spool(100).recover())).toEqual(["claimed"]);
    expect(files()).toEqual(["gateway-main.100.jsonl", "gateway-main.300.200.jsonl"]);
  });

  it("skips, and counts, a line cut short by a crash", () => {
    fs.mkdirSync(dir, { recursive: true });
    const whole = JSON.stringify(event("whole"));
    fs.writeFileSync(path.join(dir, "gateway-main.300.jsonl"), `${whole}\n${whole.slice(0, 20)}`);
    const unreadable: number[] = [];
    const recovered = spool(100, {
      onUnreadable: (_file, lines) => unreadable.push(lines),
    }).recover();
    expect(reasons(recovered)).toEqual(["whole"]);
    expect(unreadable).toEqual([1]);
  });

  it("refuses a service name that could reach outside its folder", () => {
    expect(() => spool(100, { service: "../gateway" })).toThrow("invalid service name");
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
  const input = (reason: string) => {
    const { id: _id, occurredAt: _at, ...rest } = event(reason);
    return rest;
  };

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
