/**
 * Pure parsers for the Linux `/proc` files the system metrics read, kept apart from any I/O so
 * they can be tested on sample text. Each tolerates unknown extra columns and skips lines it
 * cannot read rather than throwing: a kernel that formats a line differently loses that line,
 * not the whole sample.
 */

/** Cumulative CPU time, in clock ticks, summed over every core. */
export interface CpuTimes {
  /** Ticks spent idle or waiting for I/O. */
  readonly idle: number;
  /** Ticks of every kind, idle included. */
  readonly total: number;
}

/**
 * The aggregate `cpu` line of `/proc/stat`: user nice system idle iowait irq softirq steal
 * (guest time is already inside user and nice, so it is not added again). Null when absent.
 */
export function parseProcStat(text: string): CpuTimes | null {
  const line = text.split("\n").find((candidate) => /^cpu\s/.test(candidate));
  if (!line) return null;
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (ticks.length < 4 || ticks.some((value) => !Number.isFinite(value))) return null;
  const [, , , idle, iowait = 0] = ticks;
  return { idle: idle + iowait, total: ticks.reduce((sum, value) => sum + value, 0) };
}

/** Busy share of CPU time between two samples, in percent (0-100); null when no time passed. */
export function cpuUtilizationPercent(before: CpuTimes, after: CpuTimes): number | null {
  const total = after.total - before.total;
  if (total <= 0) return null;
  const busy = total - (after.idle - before.idle);
  return round(Math.min(100, Math.max(0, (busy / total) * 100)));
}

/** One network interface's counters since boot, as `/proc/net/dev` reports them. */
export interface NetworkInterfaceCounters {
  readonly name: string;
  readonly receivedBytes: number;
  readonly receivedPackets: number;
  readonly receivedErrors: number;
  readonly receivedDropped: number;
  readonly sentBytes: number;
  readonly sentPackets: number;
  readonly sentErrors: number;
  readonly sentDropped: number;
}

/**
 * Every interface of `/proc/net/dev`, in file order. The two header lines have a `|` and are
 * skipped; a large counter may touch the colon (`eth0:1234`), so lines split on the colon.
 */
export function parseNetDev(text: string): NetworkInterfaceCounters[] {
  const interfaces: NetworkInterfaceCounters[] = [];
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0 || line.includes("|")) continue;
    const name = line.slice(0, colon).trim();
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (!name || fields.length < 16 || fields.some((value) => !Number.isFinite(value))) continue;
    interfaces.push({
      name,
      receivedBytes: fields[0],
      receivedPackets: fields[1],
      receivedErrors: fields[2],
      receivedDropped: fields[3],
      sentBytes: fields[8],
      sentPackets: fields[9],
      sentErrors: fields[10],
      sentDropped: fields[11],
    });
  }
  return interfaces;
}

/** The kernel's TCP states (`include/net/tcp_states.h`), by the hex code `/proc/net/tcp` shows. */
export const TCP_STATES: Readonly<Record<string, string>> = Object.freeze({
  "01": "ESTABLISHED",
  "02": "SYN_SENT",
  "03": "SYN_RECV",
  "04": "FIN_WAIT1",
  "05": "FIN_WAIT2",
  "06": "TIME_WAIT",
  "07": "CLOSE",
  "08": "CLOSE_WAIT",
  "09": "LAST_ACK",
  "0A": "LISTEN",
  "0B": "CLOSING",
  "0C": "NEW_SYN_RECV",
});

/**
 * Counts the sockets of `/proc/net/tcp` and `/proc/net/tcp6` texts by state name, sorted by
 * name. The header line and unreadable lines are skipped; an unknown code counts as `UNKNOWN`.
 */
export function countTcpStates(texts: readonly string[]): { state: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const line of text.split("\n")) {
      // sl local_address rem_address st ...: the entry number ends with a colon.
      const columns = line.trim().split(/\s+/);
      if (columns.length < 4 || !/^\d+:$/.test(columns[0])) continue;
      const code = columns[3].toUpperCase();
      if (!/^[0-9A-F]{2}$/.test(code)) continue;
      const state = TCP_STATES[code] ?? "UNKNOWN";
      counts.set(state, (counts.get(state) ?? 0) + 1);
    }
  }
  return [...counts]
    .map(([state, count]) => ({ state, count }))
    .sort((a, b) => a.state.localeCompare(b.state));
}

/** Two decimals: enough for percentages and load averages, and stable in tests. */
export const round = (value: number): number => Math.round(value * 100) / 100;
