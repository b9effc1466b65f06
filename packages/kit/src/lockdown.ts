import type { Stores } from "./stores/types";

/** The emergency lockdown switch, shared by every replica. */
export interface LockdownState {
  /** Whether the lockdown is on. */
  readonly active: boolean;
  /** Why it was last switched. */
  readonly reason: string;
  /** Who switched it (a user id, or `break-glass-cli:<name>`). */
  readonly actorId: string | null;
  /** When, ISO 8601; null when it was never switched. */
  readonly changedAt: string | null;
}

/** The state before anyone switched the lockdown. */
export const LOCKDOWN_OFF: LockdownState = Object.freeze({
  active: false,
  reason: "",
  actorId: null,
  changedAt: null,
});

/** Key of the state in the shared stores. */
export const LOCKDOWN_KEY = "lockdown:state";
/** Channel on which every change is announced, so replicas apply it at once. */
export const LOCKDOWN_CHANNEL = "lockdown:changed";

/** Reads and switches the emergency lockdown in the shared stores (Redis in production). */
export class LockdownSwitch {
  constructor(private readonly stores: Stores) {}

  /** The current state. */
  async read(): Promise<LockdownState> {
    const stored = await this.stores.kv.get(LOCKDOWN_KEY);
    return stored === null ? LOCKDOWN_OFF : (JSON.parse(stored) as LockdownState);
  }

  /** Switches it and announces the change to every replica. */
  async set(active: boolean, reason: string, actorId: string | null): Promise<LockdownState> {
    const state: LockdownState = { active, reason, actorId, changedAt: new Date().toISOString() };
    const serialized = JSON.stringify(state);
    await this.stores.kv.set(LOCKDOWN_KEY, serialized);
    await this.stores.pubsub.publish(LOCKDOWN_CHANNEL, serialized);
    return state;
  }

  /** Calls `listener` with every announced change; returns the unsubscribe function. */
  subscribe(listener: (state: LockdownState) => void) {
    return this.stores.pubsub.subscribe(LOCKDOWN_CHANNEL, (message) =>
      listener(JSON.parse(message) as LockdownState),
    );
  }
}

/** Lockdown reasons are short, printable text. */
export function validLockdownReason(reason: string): boolean {
  const printable = [...reason].every((character) => character.charCodeAt(0) >= 0x20);
  return printable && reason.trim().length >= 3 && reason.length <= 500;
}
