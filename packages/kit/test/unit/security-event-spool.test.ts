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
    const recovering = spool(100);
    const recovered = recovering.recover();
    expect(reasons(recovered)).toEqual(["gone-1", "gone-2"]);
    // Taken (renamed) until the recovering process clears its spool.
    expect(files()).toEqual([
      "gateway-main.200.jsonl",
      "gateway-main.300.100.jsonl",
      "security.300.jsonl",
    ]);
    recovering.clear();
    expect(files()).toEqual(["gateway-main.200.jsonl", "security.300.jsonl"]);
  });

  it("takes the files of a recoverer that died too, oldest first, each event once", () => {
    const write = (name: string, reason: string, modified: number) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, `\n${JSON.stringify(event(reason))}`);
      fs.utimesSync(file, modified, modified);
    };
    fs.mkdirSync(dir, { recursive: true });
    write("gateway-main.300.jsonl", "dead", 1_000);
    write("gateway-main.100.jsonl", "own pid, an earlier container", 2_000);
    write("gateway-main.301.302.jsonl", "taken by one that died", 3_000);
    write("gateway-main.303.200.jsonl", "being taken by a running one", 4_000);
    expect(reasons(spool(100).recover())).toEqual([
      "dead",
      "own pid, an earlier container",
      "taken by one that died",
    ]);
    expect(spool(101, { isRunning: () => true }).recover()).toEqual([]);
  });

  it("keeps a record after a line cut short by a failed write, and counts what it skipped", () => {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "gateway-main.300.jsonl");
    const whole = JSON.stringify(event("whole"));
    fs.writeFileSync(file, `\n${whole}\n${whole.slice(0, 20)}\nnull\n42`);
    spool(300).add(event("after the cut"));
    const problems: unknown[] = [];
    const recovered = spool(100, { onProblem: (problem) => problems.push(problem) }).recover();
    expect(reasons(recovered)).toEqual(["whole", "after the cut"]);
    expect(problems).toEqual([
      { file: expect.stringContaining("gateway-main.300.100"), unreadableLines: 3 },
    ]);
  });

  it("reports a file it cannot read and goes on with the others", () => {
    fs.mkdirSync(path.join(dir, "gateway-main.300.jsonl"), { recursive: true });
    spool(301).add(event("readable"));
    const problems: { file: string; error?: unknown }[] = [];
    const recovered = spool(100, { onProblem: (problem) => problems.push(problem) }).recover();
    expect(reasons(recovered)).toEqual(["readable"]);
    expect(problems).toHaveLength(1);
    expect((problems[0].error as NodeJS.ErrnoException).code).toBe("EISDIR");
  });

  it("rewrites its file to what is still buffered", () => {
    const own = spool(100);
    for (const reason of ["1", "2", "3"]) own.add(event(reason));
    own.replace([event("3")]);
    expect(reasons(spool(400, { isRunning: () => false }).recover())).toEqual(["3"]);
  });

  it("refuses a service name that could reach outside its folder", () => {
    expect(() => spool(100, { service: "../gateway" })).toThrow("invalid service name");
  });
});
