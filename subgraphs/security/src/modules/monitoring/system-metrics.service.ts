import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  countTcpStates,
  cpuUtilizationPercent,
  parseNetDev,
  parseProcStat,
  round,
  type CpuTimes,
} from "./proc-parsers";
import type { SystemMetrics } from "./system-metrics.types";

/** Options for {@link SystemMetricsSampler}. */
export interface SystemMetricsSamplerOptions {
  /** Path whose file system is measured; falls back to `/` when it does not exist. */
  diskPath: string;
  /** Root of the proc file system. Default `/proc`; tests point it at sample files. */
  procRoot?: string;
  /**
   * On the first sample there is no previous one to compare with: CPU percentages are
   * measured over this many ms instead. Default 100.
   */
  firstIntervalMs?: number;
}

/** A point to measure CPU use from. */
interface CpuMark {
  readonly at: number;
  readonly host: CpuTimes;
  readonly process: NodeJS.CpuUsage;
}

/**
 * Reads CPU, memory, disk, network and connection figures from the operating system. CPU
 * percentages cover the time since the previous sample (so a dashboard polling every few
 * seconds sees its own interval); the sampler keeps that one previous mark, nothing else.
 * Every `/proc` read may fail (not Linux, a hardened container): that figure is then empty.
 */
export class SystemMetricsSampler {
  readonly #options: Required<SystemMetricsSamplerOptions>;
  #previous: CpuMark | null = null;

  constructor(options: SystemMetricsSamplerOptions) {
    this.#options = { procRoot: "/proc", firstIntervalMs: 100, ...options };
  }

  /** One sample of every figure. */
  async sample(): Promise<SystemMetrics> {
    const before = this.#previous ?? (await this.#firstMark());
    const [after, disk, network, tcp, openFds] = await Promise.all([
      this.#mark(),
      this.#disk(),
      this.#read("net/dev").then((text) => (text === null ? [] : parseNetDev(text))),
      Promise.all([this.#read("net/tcp"), this.#read("net/tcp6")]).then((texts) =>
        countTcpStates(texts.filter((text): text is string => text !== null)),
      ),
      this.#openFileDescriptors(),
    ]);
    this.#previous = after;
    const elapsedMs = Math.max(after.at - before.at, 0);
    const processMicros =
      after.process.user - before.process.user + (after.process.system - before.process.system);
    const cpus = os.cpus();
    const total = os.totalmem();
    const free = os.freemem();
    const memory = process.memoryUsage();
    return {
      hostname: os.hostname(),
      platform: os.platform(),
      sampledAt: new Date(),
      cpu: {
        cores: os.availableParallelism?.() ?? cpus.length,
        model: cpus[0]?.model ?? null,
        loadAverage: os.loadavg().map(round),
        utilizationPercent: cpuUtilizationPercent(before.host, after.host),
        processPercent: elapsedMs > 0 ? round(processMicros / 10 / elapsedMs) : 0,
        intervalMs: round(elapsedMs),
      },
      memory: {
        totalBytes: total,
        freeBytes: free,
        usedBytes: total - free,
        usedPercent: total > 0 ? round(((total - free) / total) * 100) : 0,
        processRssBytes: memory.rss,
        processHeapUsedBytes: memory.heapUsed,
        processHeapTotalBytes: memory.heapTotal,
      },
      disk,
      network,
      connections: {
        tcpByState: tcp,
        tcpTotal: tcp.reduce((sum, { count }) => sum + count, 0),
        processOpenFileDescriptors: openFds,
      },
      uptime: { systemSeconds: round(os.uptime()), processSeconds: round(process.uptime()) },
    };
  }

  async #firstMark(): Promise<CpuMark> {
    const mark = await this.#mark();
    await new Promise((resolve) => setTimeout(resolve, this.#options.firstIntervalMs));
    return mark;
  }

  async #mark(): Promise<CpuMark> {
    const stat = await this.#read("stat");
    return {
      at: performance.now(),
      host: (stat === null ? null : parseProcStat(stat)) ?? cpuTimesFromOs(),
      process: process.cpuUsage(),
    };
  }

  async #disk(): Promise<SystemMetrics["disk"]> {
    const target = await fs
      .access(this.#options.diskPath)
      .then(() => this.#options.diskPath)
      .catch(() => path.parse(process.cwd()).root);
    const stats = await fs.statfs(target);
    const totalBytes = stats.blocks * stats.bsize;
    const freeBytes = stats.bfree * stats.bsize;
    return {
      path: target,
      totalBytes,
      freeBytes,
      availableBytes: stats.bavail * stats.bsize,
      usedBytes: totalBytes - freeBytes,
      usedPercent: totalBytes > 0 ? round(((totalBytes - freeBytes) / totalBytes) * 100) : 0,
    };
  }

  async #openFileDescriptors(): Promise<number | null> {
    try {
      return (await fs.readdir(path.join(this.#options.procRoot, "self", "fd"))).length;
    } catch {
      return null;
    }
  }

  /** A `/proc` file's text, or null when it cannot be read. */
  #read(file: string): Promise<string | null> {
    return fs.readFile(path.join(this.#options.procRoot, file), "utf8").catch(() => null);
  }
}

/** Where `/proc/stat` is missing: the same sums from `os.cpus()` (in ms, not ticks; only ratios matter). */
function cpuTimesFromOs(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}
