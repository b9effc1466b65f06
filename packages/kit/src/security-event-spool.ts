import fs from "node:fs";
import path from "node:path";
import type { SecurityEvent } from "./security-event-types";

/** Options for {@link SecurityEventSpool}. */
export interface SecurityEventSpoolOptions {
  /**
   * Folder of the spool files (`<RAMPART_DATA_DIR>/spool`); created when missing. One host's or
   * container's own: processes in other pid namespaces must not share it.
   */
  dir: string;
  /** The service (`gateway-main`, `security`, …): a process recovers its own service's files. */
  service: string;
  /** This process's id. Default `process.pid`. */
  pid?: number;
  /** Whether a process id is running. Default: `process.kill(pid, 0)`. */
  isRunning?(pid: number): boolean;
  /** Told about a file it could not take or read (skipped), or its unreadable lines. */
  onProblem?(problem: { file: string; error?: unknown; unreadableLines?: number }): void;
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

const isEvent = (value: unknown): value is SecurityEvent =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as SecurityEvent).id === "string" &&
  typeof (value as SecurityEvent).type === "string";

/**
 * The events a process buffers while the event stream is down, also written to a file
 * (`<service>.<pid>.jsonl`, one JSON event per line), so that a process that stops or dies
 * during the outage loses none: the next process of the same service appends them on start.
 * Appending an event twice is harmless, since the security subgraph stores each event id once.
 *
 * A file is another process's to recover when that process is no longer running, or when it
 * has this process's own id (a container restarted with the same pid). Recovering renames
 * it to `<service>.<pid>.<recovering pid>.jsonl` first, so two processes starting at once never
 * both take it; it is removed with this process's own file once the stream has everything.
 */
export class SecurityEventSpool {
  readonly #options: SecurityEventSpoolOptions;
  readonly #pid: number;
  readonly #file: string;
  /** Files taken from gone processes, removed by {@link clear}. */
  readonly #recovered: string[] = [];
  #folderReady = false;

  constructor(options: SecurityEventSpoolOptions) {
    if (!/^[a-z0-9-]+$/.test(options.service)) {
      throw new Error(`invalid service name for a spool file: ${options.service}`);
    }
    this.#options = options;
    this.#pid = options.pid ?? process.pid;
    this.#file = path.join(options.dir, `${options.service}.${this.#pid}.jsonl`);
  }

  /** Keeps one more buffered event; written before it returns (throws when it cannot be). */
  add(event: SecurityEvent): void {
    this.#write([event]);
  }

  /** Rewrites this process's file to hold exactly `events` (what is still buffered). */
  replace(events: readonly SecurityEvent[]): void {
    const next = `${this.#file}.next`;
    fs.writeFileSync(next, events.map((event) => `\n${JSON.stringify(event)}`).join(""), {
      mode: 0o600,
    });
    fs.renameSync(next, this.#file);
  }

  /** Forgets every kept event, its own and the recovered ones: the stream has them all. */
  clear(): void {
    for (const file of [this.#file, ...this.#recovered.splice(0)]) {
      fs.rmSync(file, { force: true });
    }
  }

  /**
   * Takes the files of earlier processes of this service that are gone and returns their
   * events, oldest file first; the caller appends them to the stream, then calls {@link clear}.
   * A file it cannot take or read is reported and left for a later start.
   */
  recover(): SecurityEvent[] {
    const { dir, service } = this.#options;
    const isRunning = this.#options.isRunning ?? processRunning;
    const pattern = new RegExp(`^${service}\\.(\\d+)(?:\\.(\\d+))?\\.jsonl$`);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return []; // no folder: nothing was ever spooled here
    }
    // Take every file first, then read: events read never land in a file still to be taken.
    const taken: { file: string; modified: number }[] = [];
    for (const name of names) {
      // `<service>.<pid>.jsonl`, or `<service>.<pid>.<recovering pid>.jsonl`.
      const match = pattern.exec(name);
      if (!match) continue;
      const holder = Number(match[2] ?? match[1]);
      if (holder !== this.#pid && isRunning(holder)) continue;
      const source = path.join(dir, name);
      const file = path.join(dir, `${service}.${match[1]}.${this.#pid}.jsonl`);
      try {
        if (source !== file) fs.renameSync(source, file);
        taken.push({ file, modified: fs.statSync(file).mtimeMs });
      } catch (error) {
        // ENOENT: another process took it first.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
          this.#options.onProblem?.({ file: source, error });
        }
      }
    }
    const recovered: SecurityEvent[] = [];
    for (const { file } of taken.sort((a, b) => a.modified - b.modified)) {
      try {
        recovered.push(...this.#read(file));
        this.#recovered.push(file);
      } catch (error) {
        this.#options.onProblem?.({ file, error });
      }
    }
    return recovered;
  }

  /**
   * Each record starts with a newline: a line cut short by a failed write stays on its own
   * line (unreadable) instead of swallowing the next record.
   */
  #write(events: readonly SecurityEvent[]): void {
    if (!this.#folderReady) {
      fs.mkdirSync(this.#options.dir, { recursive: true, mode: 0o700 });
      this.#folderReady = true;
    }
    const records = events.map((event) => `\n${JSON.stringify(event)}`).join("");
    fs.appendFileSync(this.#file, records, { mode: 0o600 });
  }

  /** The events of a taken file; unreadable lines (a write cut short) are counted, not thrown. */
  #read(file: string): SecurityEvent[] {
    const events: SecurityEvent[] = [];
    let unreadable = 0;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      if (!line) continue;
      try {
        const event: unknown = JSON.parse(line);
        if (isEvent(event)) events.push(event);
        else unreadable += 1;
      } catch {
        unreadable += 1;
      }
    }
    if (unreadable > 0) this.#options.onProblem?.({ file, unreadableLines: unreadable });
    return events;
  }
}
