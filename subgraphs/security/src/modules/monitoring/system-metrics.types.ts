import { Directive, Field, Float, Int, ObjectType } from "type-graphql";

// Byte and packet counters are Float: they pass GraphQL Int's 32 bits, and a double holds
// whole numbers exactly up to 2^53 (8 PiB).

/** Processor figures of the host and of this process. */
@Directive('@tag(name: "admin")')
@ObjectType("CpuMetrics", { description: "Processor figures of the host and of this process." })
export class CpuMetrics {
  @Field(() => Int, { description: "Logical cores." })
  cores!: number;

  @Field(() => String, { nullable: true, description: "Model of the first core, when known." })
  model!: string | null;

  @Field(() => [Float], {
    description: "Load averages over 1, 5 and 15 minutes (all 0 on Windows).",
  })
  loadAverage!: number[];

  @Field(() => Float, {
    nullable: true,
    description:
      "Busy share of all cores since the previous sample, in percent (from /proc/stat on Linux, os.cpus() elsewhere); null when no time passed.",
  })
  utilizationPercent!: number | null;

  @Field(() => Float, {
    description:
      "CPU time this process used since the previous sample, in percent of one core (can pass 100 on several cores).",
  })
  processPercent!: number;

  @Field(() => Float, { description: "Length of the interval the percentages cover, in ms." })
  intervalMs!: number;
}

/** Memory of the host and of this process, in bytes. */
@Directive('@tag(name: "admin")')
@ObjectType("MemoryMetrics", { description: "Memory of the host and of this process, in bytes." })
export class MemoryMetrics {
  @Field(() => Float)
  totalBytes!: number;

  @Field(() => Float, { description: "Unused memory as os.freemem() reports it." })
  freeBytes!: number;

  @Field(() => Float, { description: "totalBytes - freeBytes." })
  usedBytes!: number;

  @Field(() => Float)
  usedPercent!: number;

  @Field(() => Float, { description: "Resident set size of this process." })
  processRssBytes!: number;

  @Field(() => Float, { description: "V8 heap in use by this process." })
  processHeapUsedBytes!: number;

  @Field(() => Float, { description: "V8 heap reserved by this process." })
  processHeapTotalBytes!: number;
}

/** Space on the file system that holds a path. */
@Directive('@tag(name: "admin")')
@ObjectType("DiskMetrics", { description: "Space on the file system that holds `path`." })
export class DiskMetrics {
  @Field(() => String, {
    description: "The path measured: RAMPART_DATA_DIR when it exists, else /.",
  })
  path!: string;

  @Field(() => Float)
  totalBytes!: number;

  @Field(() => Float, { description: "Free blocks, including those reserved for root." })
  freeBytes!: number;

  @Field(() => Float, { description: "Free blocks an unprivileged process may use." })
  availableBytes!: number;

  @Field(() => Float, { description: "totalBytes - freeBytes." })
  usedBytes!: number;

  @Field(() => Float)
  usedPercent!: number;
}

/** Counters of one network interface since boot. */
@Directive('@tag(name: "admin")')
@ObjectType("NetworkInterfaceMetrics", {
  description: "Counters of one network interface since boot (from /proc/net/dev).",
})
export class NetworkInterfaceMetrics {
  @Field(() => String)
  name!: string;

  @Field(() => Float)
  receivedBytes!: number;

  @Field(() => Float)
  receivedPackets!: number;

  @Field(() => Float)
  receivedErrors!: number;

  @Field(() => Float)
  receivedDropped!: number;

  @Field(() => Float)
  sentBytes!: number;

  @Field(() => Float)
  sentPackets!: number;

  @Field(() => Float)
  sentErrors!: number;

  @Field(() => Float)
  sentDropped!: number;
}

/** How many TCP sockets are in one state. */
@Directive('@tag(name: "admin")')
@ObjectType("TcpStateCount", { description: "How many TCP sockets are in one state." })
export class TcpStateCount {
  @Field(() => String, { description: "Kernel state name, such as ESTABLISHED or LISTEN." })
  state!: string;

  @Field(() => Int)
  count!: number;
}

/** Open connections and file descriptors. */
@Directive('@tag(name: "admin")')
@ObjectType("ConnectionMetrics", { description: "Open connections and file descriptors." })
export class ConnectionMetrics {
  @Field(() => [TcpStateCount], {
    description:
      "TCP sockets (IPv4 and IPv6) of the host's network namespace by state, sorted by state; empty where /proc/net/tcp is missing (not Linux).",
  })
  tcpByState!: TcpStateCount[];

  @Field(() => Int, { description: "Sum of tcpByState." })
  tcpTotal!: number;

  @Field(() => Int, {
    nullable: true,
    description: "File descriptors this process has open (/proc/self/fd); null where missing.",
  })
  processOpenFileDescriptors!: number | null;
}

/** How long the host and this process have been running. */
@Directive('@tag(name: "admin")')
@ObjectType("UptimeMetrics", { description: "How long the host and this process have run." })
export class UptimeMetrics {
  @Field(() => Float)
  systemSeconds!: number;

  @Field(() => Float)
  processSeconds!: number;
}

/** The operating system's figures, as seen by the security subgraph's process. */
@Directive('@tag(name: "admin")')
@ObjectType("SystemMetrics", {
  description:
    "CPU, memory, disk, network and connections, read from the operating system of the security subgraph's host.",
})
export class SystemMetrics {
  @Field(() => String)
  hostname!: string;

  @Field(() => String, { description: "Node's os.platform(), such as linux." })
  platform!: string;

  @Field(() => Date)
  sampledAt!: Date;

  @Field(() => CpuMetrics)
  cpu!: CpuMetrics;

  @Field(() => MemoryMetrics)
  memory!: MemoryMetrics;

  @Field(() => DiskMetrics)
  disk!: DiskMetrics;

  @Field(() => [NetworkInterfaceMetrics], {
    description: "Every interface, in /proc/net/dev order; empty where it is missing (not Linux).",
  })
  network!: NetworkInterfaceMetrics[];

  @Field(() => ConnectionMetrics)
  connections!: ConnectionMetrics;

  @Field(() => UptimeMetrics)
  uptime!: UptimeMetrics;
}
