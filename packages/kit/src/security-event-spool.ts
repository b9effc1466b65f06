import fs from "node:fs";
import path from "node:path";
import type { SecurityEvent } from "./security-events";

/** Options for {@link SecurityEventSpool}. */
export interface SecurityEventSpoolOptions {
  /** Folder of the spool files (`<RAMPART_DATA_DIR>/spool`); created when missing. */
  dir: string;
  /** The service (`gateway-main`, `security`, …): a process recovers its own service's files. */
  service: string;
  /** This process's id. Default `process.pid`. */
  pid?: number;
  /** Whether a process id is running. Default: `process.kill(pid, 0)`. */
  isRunning?(pid: number): boolean;
  /** Told how many lines of a recovered file were unreadable (a write cut short by a crash). */
  onUnreadable?(file: string, lines: number): void;
}

function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The events a process buffers while the event stream is down, also written to a file
 * (`<service>.<pid>.jsonl`, one JSON event per line), so that a process that stops or dies
 * during the outage loses none: the next process of the same service appends them on start.
 * Appending an event twice is harmless, since the security subgraph stores each event id once.
 *
 * A file is another process's to recover when that process is no longer running, or when it
 * has this process's own id (a container restarted with the same pid). Recovering renames
 * the file first, so two processes starting at once never both take it.
 */
export class SecurityEventSpool {
  readonly #options: SecurityEventSpoolOptions;
  readonly #pid: number;
  readonly #file: string;

  constructor(options: SecurityEventSpoolOptions) {
    if (!/^[a-z0-9-]+$/.test(options.service)) {
      throw new Error(`invalid service name for a spool file: ${options.service}`);
    }
    this.#options = options;
    this.#pid = options.pid ?? process.pid;
    this.#file = path.join(options.dir, `${options.service}.${this.#pid}.jsonl`);
  }

  /** Keeps one more buffered event; written before it returns. */
  add(event: SecurityEvent): void {
    this.#write([event]);
  }

  /** Forgets every kept event: the stream has them all. */
  clear(): void {
    fs.rmSync(this.#file, { force: true });
  }

  /**
   * Takes the files of earlier processes of this service that are gone, moves their events
   * into this process's file, and returns them, oldest file first: the caller appends them to
   * the stream, then calls {@link clear}.
   */
  recover(): SecurityEvent[] {
    const { dir, service } = this.#options;
    const isRunning = this.#options.isRunning ?? processRunning;
    const names = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
    const recovered: SecurityEvent[] = [];
    for (const name of names) {
      // `<service>.<pid>.jsonl`, or `<service>.<pid>.<claimed by>.jsonl` while one recovers it.
      const match = new RegExp(`^${service}\\.(\\d+)(?:\\.(\\d+))?\\.jsonl$`).exec(name);
      if (!match) continue;
      const owner = Number(match[1]);
      const holder = Number(match[2] ?? match[1]);
      if (holder !== this.#pid && isRunning(holder)) continue;
      const claimed = path.join(dir, `${service}.${owner}.${this.#pid}.jsonl`);
      const source = path.join(dir, name);
      try {
        if (source !== claimed) fs.renameSync(source, claimed);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue; // another took it
        throw error;
      }
      const events = this.#read(claimed);
      this.#write(events);
      fs.rmSync(claimed, { force: true });
      recovered.push(...events);
    }
    return recovered;
  }

  #write(events: readonly SecurityEvent[]): void {
    if (events.length === 0) return;
    fs.mkdirSync(this.#options.dir, { recursive: true, mode: 0o700 });
    const lines = events.map((event) => `${JSON.stringify(event)}\n`).join("");
    fs.appendFileSync(this.#file, lines, { mode: 0o600 });
  }

  /** The events of a claimed file; lines cut short by a crash are counted, not thrown. */
  #read(file: string): SecurityEvent[] {
    const events: SecurityEvent[] = [];
    let unreadable = 0;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      if (!line) continue;
      try {
        events.push(JSON.parse(line) as SecurityEvent);
      } catch {
        unreadable += 1;
      }
    }
    if (unreadable > 0) this.#options.onUnreadable?.(file, unreadable);
    return events;
  }
}
