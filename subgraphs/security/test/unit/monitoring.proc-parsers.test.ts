import {
  countTcpStates,
  cpuUtilizationPercent,
  parseNetDev,
  parseProcStat,
} from "../../src/modules/monitoring/proc-parsers";

// Samples copied from a Linux 6.x host, trimmed.
const PROC_STAT = `cpu  15694 0 3766 85373 326 0 95 14 0 0
cpu0 7460 0 1548 43529 17 0 15 5 0 0
cpu1 8233 0 2217 41844 309 0 79 9 0 0
intr 1234567 0 0
ctxt 987654
btime 1764300000
`;

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  588099    1689    0    0    0     0          0         0   588099    1689    0    0    0     0       0          0
  eth0:214490565    7368    2    5    0     0          0         0  1327941    6780    1    3    0     0       0          0
 wlan0: 9007199254740991 12 0 0 0 0 0 0 4 5 0 0 0 0 0 0
  bad0: not numbers at all
`;

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1628 00000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 7600 1 00000000d321d403 100 0 0 10 0
   1: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 4821 1 00000000b76f42b9 100 0 0 10 0
   2: 0100007F:9C40 0100007F:1538 01 00000000:00000000 00:00000000 00000000     0        0 9911 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:9C42 0100007F:1538 06 00000000:00000000 03:00000F9A 00000000     0        0 0 3 0000000000000000
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:18EB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4082 1 00000000843c42ea 100 0 0 10 0
   1: 00000000000000000000000001000000:C350 00000000000000000000000001000000:18EB 01 00000000:00000000 00:00000000 00000000     0        0 4083 1 00000000843c42eb 20 4 30 10 -1
   2: 00000000000000000000000001000000:C352 00000000000000000000000001000000:18EB 0c 00000000:00000000 00:00000000 00000000     0        0 4084 1 00000000843c42ec 20 4 30 10 -1
   3: 00000000000000000000000001000000:C354 00000000000000000000000001000000:18EB FF 00000000:00000000 00:00000000 00000000     0        0 4085 1 00000000843c42ed 20 4 30 10 -1
`;

describe("parseProcStat", () => {
  it("sums the aggregate cpu line: idle with iowait, total without guest time", () => {
    expect(parseProcStat(PROC_STAT)).toEqual({
      idle: 85373 + 326,
      total: 15694 + 0 + 3766 + 85373 + 326 + 0 + 95 + 14,
    });
  });

  it("reads an old kernel's four columns", () => {
    expect(parseProcStat("cpu 10 0 10 80\n")).toEqual({ idle: 80, total: 100 });
  });

  it("is null without an aggregate line, or with garbage in it", () => {
    expect(parseProcStat("cpu0 1 2 3 4\n")).toBeNull();
    expect(parseProcStat("cpu a b c d\n")).toBeNull();
    expect(parseProcStat("")).toBeNull();
  });
});

describe("cpuUtilizationPercent", () => {
  it("is the busy share of the ticks between two samples", () => {
    expect(cpuUtilizationPercent({ idle: 100, total: 200 }, { idle: 175, total: 300 })).toBe(25);
    expect(cpuUtilizationPercent({ idle: 0, total: 0 }, { idle: 0, total: 3 })).toBe(100);
  });

  it("is null when no tick passed", () => {
    expect(cpuUtilizationPercent({ idle: 5, total: 10 }, { idle: 5, total: 10 })).toBeNull();
  });
});

describe("parseNetDev", () => {
  it("reads every interface, including a counter that touches the colon", () => {
    const interfaces = parseNetDev(NET_DEV);
    expect(interfaces.map((i) => i.name)).toEqual(["lo", "eth0", "wlan0"]);
    expect(interfaces[1]).toEqual({
      name: "eth0",
      receivedBytes: 214490565,
      receivedPackets: 7368,
      receivedErrors: 2,
      receivedDropped: 5,
      sentBytes: 1327941,
      sentPackets: 6780,
      sentErrors: 1,
      sentDropped: 3,
    });
    expect(interfaces[2]).toMatchObject({ receivedBytes: 2 ** 53 - 1, sentBytes: 4 });
  });

  it("is empty for the header alone or for empty text", () => {
    expect(parseNetDev(NET_DEV.split("\n").slice(0, 2).join("\n"))).toEqual([]);
    expect(parseNetDev("")).toEqual([]);
  });
});

describe("countTcpStates", () => {
  it("counts IPv4 and IPv6 sockets by state name, sorted, codes in either case", () => {
    expect(countTcpStates([TCP, TCP6])).toEqual([
      { state: "ESTABLISHED", count: 2 },
      { state: "LISTEN", count: 3 },
      { state: "NEW_SYN_RECV", count: 1 },
      { state: "TIME_WAIT", count: 1 },
      { state: "UNKNOWN", count: 1 },
    ]);
  });

  it("skips headers and unreadable lines", () => {
    expect(countTcpStates([TCP.split("\n")[0], "garbage\n   7: x y"])).toEqual([]);
    expect(countTcpStates([])).toEqual([]);
  });
});
