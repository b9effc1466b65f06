/**
 * The one sink every refusal goes through on its way to the security event stream. A refusal
 * is what an attacker can cause at will and as fast as the network allows (a bad `Origin`, a
 * forged token, an address outside the allowlist), so recording each one as it comes lets a
 * flood of cheap requests write as many events, each as large as the attacker likes. The sink
 * keeps the evidence (the first refusal at once, and how many followed) at a bounded cost.
 */
import { boundOptionalText, boundText, REFUSAL_TEXT_LIMIT } from "./event-text";
import type {
  SecurityEventInput,
  SecurityEventRecorder,
  SecuritySeverity,
} from "./security-events";

/** One refusal, as the check that refused describes it. */
export interface Refusal {
  /** Dotted event type, such as `cors.origin_not_allowed`; with the IP, the key refusals are counted by. */
  type: string;
  /** Severity of the event. */
  severity: SecuritySeverity;
  /** Why (never the credential); may quote what the client sent, which is cut and cleaned. */
  reason: string;
  /** Client IP, when known. */
  ip: string | null;
  /** User who acted, when known. Default null. */
  actorId?: string | null;
  /** Organization concerned, when known. Default null. */
  organizationId?: string | null;
  /** Request that was refused. Default null. */
  requestId?: string | null;
}

/** Options for {@link createRefusalSink}. */
export interface RefusalSinkOptions {
  /** Where events go: in a long-running process, its `startProcessRecorder`. */
  recorder: Pick<SecurityEventRecorder, "record">;
  /** Length of the window in which one (type, IP) is recorded once, in ms. Default 60 000. */
  windowMs?: number;
  /**
   * Sources (IP and caller) tracked at once per type. Past it, refusals of that type from
   * further sources are counted under one "many sources" entry, so that rotating addresses
   * costs neither memory nor events, and a flood of one type never blinds another. At most
   * 16 times as many windows are open over all types. Default 1000.
   */
  maxSources?: number;
  /** Longest text kept of each string a refusal carries, in UTF-16 units. Default {@link REFUSAL_TEXT_LIMIT}. */
  maxTextLength?: number;
  /** Told when the recorder rejects (it then lost the event). Default: ignored. */
  onError?(error: unknown, event: SecurityEventInput): void;
}

/** Records refusals, at most one event per (type, IP) and window plus one that counts the rest. */
export interface RefusalSink {
  /** Takes one refusal; never throws and never waits (recording runs in the background). */
  refuse(refusal: Refusal): void;
  /** (type, IP) windows open now, "many sources" entries included. */
  readonly openWindows: number;
  /** Resolves when every event handed to the recorder so far was recorded (or failed). */
  settled(): Promise<void>;
  /** Records the counts of every open window now, then stops; later refusals are recorded one by one, uncounted. */
  close(): Promise<void>;
}

/** One (type, IP) window: the first refusal was recorded; `repeats` came after it. */
interface Window {
  readonly type: string;
  readonly first: SecurityEventInput;
  readonly startedAt: string;
  readonly endsAt: number;
  /** Whether this entry stands for every IP beyond `maxSources`. */
  readonly manySources: boolean;
  repeats: number;
  lastReason: string;
  lastRequestId: string | null;
}

/** How a count event's reason starts: `repeated N more times `. */
const repeatedPrefix = (repeats: number) => `repeated ${repeats} more times `;

/**
 * How many refusals a stored event stands for besides itself: N for a count event of the sink
 * (`repeated N more times ...`), else 0. Counting rules (alert thresholds) add it, so that a
 * flood recorded as two events still counts as the flood it was.
 */
export function refusalRepeatsIn(reason: string): number {
  const match = /^repeated (\d{1,9}) more times /.exec(reason);
  return match ? Number(match[1]) : 0;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * Creates the refusal sink. Each string of a refusal is cleaned of control characters and cut
 * to `maxTextLength` before anything else sees it, so the memory a window holds is bounded too.
 * The first refusal of a (type, source) is recorded at once, a source being the IP with the
 * caller (user and organization, when known); later ones within `windowMs` are only counted,
 * and when the window ends one more event of the same type and source says how many there were
 * (`repeated N more times ...` in its reason) and quotes the last one's reason. The cost of any
 * flood is thus at most 2 events per (type, source) and window, and, once a type has
 * `maxSources` open, 2 more for all its other sources together (named by no IP or caller).
 */
export function createRefusalSink(options: RefusalSinkOptions): RefusalSink {
  const windowMs = options.windowMs ?? 60_000;
  const maxSources = options.maxSources ?? 1_000;
  const maxText = options.maxTextLength ?? REFUSAL_TEXT_LIMIT;
  if (!Number.isInteger(windowMs) || windowMs < 1) {
    throw new RangeError(`windowMs must be a whole number of ms >= 1, not ${windowMs}`);
  }
  if (!Number.isInteger(maxSources) || maxSources < 1) {
    throw new RangeError(`maxSources must be a whole number >= 1, not ${maxSources}`);
  }
  boundText("", maxText); // throws now, not at the first refusal, when the limit is unusable
  // Insertion order is end order: every window lasts windowMs and is added when it starts.
  const windows = new Map<string, Window>();
  /** Open (type, source) windows per type, against `maxSources`. */
  const sourcesOf = new Map<string, number>();
  /** Every window at once, whatever the types: the memory bound. */
  const maxWindows = maxSources * 16;
  const forget = (key: string, window: Window): void => {
    windows.delete(key);
    if (window.manySources) return;
    const left = (sourcesOf.get(window.type) ?? 1) - 1;
    if (left > 0) sourcesOf.set(window.type, left);
    else sourcesOf.delete(window.type);
  };
  const inFlight = new Set<Promise<unknown>>();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const record = (event: SecurityEventInput): void => {
    const recording = options.recorder
      .record(event)
      .catch((error: unknown) => options.onError?.(error, event))
      .finally(() => inFlight.delete(recording));
    inFlight.add(recording);
  };

  const settled = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  };

  const summarize = (window: Window): void => {
    if (window.repeats === 0) return;
    const who = window.manySources ? "from IPs beyond the tracked ones" : "from this IP";
    record({
      ...window.first,
      requestId: window.lastRequestId,
      reason: boundText(
        `${repeatedPrefix(window.repeats)}${who} in the ${seconds(windowMs)} from ` +
          `${window.startedAt}; last: ${window.lastReason}`,
        2 * maxText,
      ),
    });
  };

  const sweep = (): void => {
    timer = null;
    const now = performance.now();
    for (const [key, window] of windows) {
      if (window.endsAt > now) break;
      forget(key, window);
      summarize(window);
    }
    schedule();
  };

  const schedule = (): void => {
    if (timer !== null || closed) return;
    const next = windows.values().next();
    if (next.done) return;
    timer = setTimeout(sweep, Math.max(0, next.value.endsAt - performance.now()));
    // A pending summary never keeps a process alive; close() records it on shutdown.
    timer.unref();
  };

  return {
    refuse(refusal) {
      const event: SecurityEventInput = {
        type: boundText(refusal.type, maxText),
        severity: refusal.severity,
        reason: boundText(refusal.reason, maxText),
        ip: boundOptionalText(refusal.ip, maxText),
        actorId: boundOptionalText(refusal.actorId ?? null, maxText),
        organizationId: boundOptionalText(refusal.organizationId ?? null, maxText),
        requestId: boundOptionalText(refusal.requestId ?? null, maxText),
      };
      if (closed) return record(event);
      // Cleaned text holds no control character, so no key can be forged from another. The
      // caller is part of the key: a refusal of one user is never counted under another's (or
      // under an anonymous one's) first event.
      const sourceKey = [event.type, event.ip, event.actorId, event.organizationId].join("\u0000");
      const manyKey = `${event.type}\u0001`;
      // Sources are counted per type, so a flood of one kind cannot blind the others.
      const sources = sourcesOf.get(event.type) ?? 0;
      const key =
        windows.has(sourceKey) || (sources < maxSources && windows.size < maxWindows)
          ? sourceKey
          : manyKey;
      const open = windows.get(key);
      if (open) {
        open.repeats += 1;
        open.lastReason = event.reason;
        open.lastRequestId = event.requestId;
        return;
      }
      const manySources = key === manyKey;
      if (!manySources) sourcesOf.set(event.type, sources + 1);
      const first: SecurityEventInput = manySources
        ? {
            ...event,
            // It stands for many callers: naming one would credit the others' refusals to it.
            ip: null,
            actorId: null,
            organizationId: null,
            reason: boundText(
              `refused from more than ${maxSources} sources within ${seconds(windowMs)}; ` +
                `further ones are counted, not recorded, until the window ends; first: ${event.reason}`,
              2 * maxText,
            ),
          }
        : event;
      windows.set(key, {
        type: event.type,
        first,
        startedAt: new Date().toISOString(),
        endsAt: performance.now() + windowMs,
        manySources,
        repeats: 0,
        lastReason: event.reason,
        lastRequestId: event.requestId,
      });
      record(first);
      schedule();
    },
    get openWindows() {
      return windows.size;
    },
    settled,
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      for (const window of windows.values()) summarize(window);
      windows.clear();
      sourcesOf.clear();
      await settled();
    },
  };
}
