import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SecurityEventSpool, type SecurityEvent, type SecurityEventSpoolOptions } from "../../src";

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
