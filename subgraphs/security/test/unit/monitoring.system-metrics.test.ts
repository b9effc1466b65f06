import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SystemMetricsSampler } from "../../src/modules/monitoring/system-metrics.service";

/** A fake /proc with the files the sampler reads. */
function fakeProc(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-proc-"));
  fs.mkdirSync(path.join(root, "net"));
  fs.mkdirSync(path.join(root, "self", "fd"), { recursive: true });
  for (const fd of ["0", "1", "2", "7"]) fs.writeFileSync(path.join(root, "self", "fd", fd), "");
  fs.writeFileSync(path.join(root, "stat"), "cpu  100 0 100 800 0 0 0 0 0 0\n");
  fs.writeFileSync(
    path.join(root, "net", "dev"),
    [
      "Inter-|   Receive                                                |  Transmit",
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
      "  eth0: 5000 50 0 0 0 0 0 0 7000 70 0 0 0 0 0 0",
    ].join("\n"),
  );
  const header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt";
  fs.writeFileSync(
    path.join(root, "net", "tcp"),
    `${header}\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000\n`,
  );
  fs.writeFileSync(
    path.join(root, "net", "tcp6"),
    `${header}\n   0: 0:1F90 0:C350 01 0:0 0:0 0\n   1: 0:1F90 0:C352 01 0:0 0:0 0\n`,
  );
  return root;
}

describe("SystemMetricsSampler", () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

  it("reads /proc figures, the disk of its path, memory and uptime", async () => {
    const root = fakeProc();
    roots.push(root);
    const sampler = new SystemMetricsSampler({
      diskPath: root,
      procRoot: root,
      firstIntervalMs: 5,
    });
    const first = await sampler.sample();
    expect(first.network).toEqual([
      {
        name: "eth0",
        receivedBytes: 5000,
        receivedPackets: 50,
        receivedErrors: 0,
        receivedDropped: 0,
        sentBytes: 7000,
        sentPackets: 70,
        sentErrors: 0,
        sentDropped: 0,
      },
    ]);
    expect(first.connections).toEqual({
      tcpByState: [
        { state: "ESTABLISHED", count: 2 },
        { state: "LISTEN", count: 1 },
      ],
      tcpTotal: 3,
      processOpenFileDescriptors: 4,
    });
    // The fake stat did not move during the first interval.
    expect(first.cpu.utilizationPercent).toBeNull();
    expect(first.cpu.intervalMs).toBeGreaterThanOrEqual(4);
    expect(first.cpu.cores).toBeGreaterThan(0);
    expect(first.cpu.loadAverage).toHaveLength(3);
    expect(first.disk.path).toBe(root);
    const statfs = fs.statfsSync(root);
    expect(first.disk.totalBytes).toBe(statfs.blocks * statfs.bsize);
    expect(first.disk.usedBytes).toBe(first.disk.totalBytes - first.disk.freeBytes);
    expect(first.memory.totalBytes).toBe(os.totalmem());
    expect(first.memory.usedBytes).toBe(first.memory.totalBytes - first.memory.freeBytes);
    expect(first.memory.processRssBytes).toBeGreaterThan(0);
    expect(first.uptime.processSeconds).toBeGreaterThan(0);
    expect(first.hostname).toBe(os.hostname());

    // 300 more ticks, 225 of them idle: 25 % busy since the previous sample.
    fs.writeFileSync(path.join(root, "stat"), "cpu  150 0 125 1025 0 0 0 0 0 0\n");
    const second = await sampler.sample();
    expect(second.cpu.utilizationPercent).toBe(25);
    expect(second.cpu.processPercent).toBeGreaterThanOrEqual(0);
  });

  it("reports what it cannot read as empty, and measures / for a missing path", async () => {
    const missing = path.join(os.tmpdir(), "rampart-no-such-dir", String(process.pid));
    const sampler = new SystemMetricsSampler({
      diskPath: missing,
      procRoot: missing,
      firstIntervalMs: 5,
    });
    const sample = await sampler.sample();
    expect(sample.network).toEqual([]);
    expect(sample.connections).toEqual({
      tcpByState: [],
      tcpTotal: 0,
      processOpenFileDescriptors: null,
    });
    expect(sample.disk.path).toBe(path.parse(process.cwd()).root);
    expect(sample.disk.totalBytes).toBeGreaterThan(0);
  });
});
