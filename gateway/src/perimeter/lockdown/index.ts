import {
  ErrorCode,
  LOCKDOWN_OFF,
  RampartError,
  LockdownSwitch,
  SecurityLevel,
  type Identity,
  type LockdownState,
  type Logger,
} from "@rampart/kit";
import type { Stores } from "@rampart/kit/stores";

/** Options for {@link createLockdown}. */
export interface LockdownOptions {
  /** Shared stores holding the switch. */
  stores: Stores;
  /** `admin`: only superadmins at level 3 pass; `main`: see `mainMode`. */
  profile: "main" | "admin";
  /** On main during a lockdown: `read-only` refuses mutations (default), `block` refuses everything. */
  mainMode: "read-only" | "block";
  /** Decides who is a superadmin (the shared rule's definition). */
  isSuperAdmin(identity: Identity): boolean;
  /** Every refusal is a security event. */
  onRefusal(event: { type: string; reason: string; identity: Identity }): void;
  logger: Logger;
}

/** How often each replica re-reads the switch, besides following announcements. */
const REFRESH_MS = 5_000;

/** The error a caller gets while the lockdown refuses them. */
export const lockdownActive = (): RampartError =>
  new RampartError(ErrorCode.LockdownActive, "The platform is in emergency lockdown.");

/**
 * Emergency lockdown: the switch lives in the shared stores, every replica holds it in memory
 * and applies each change the moment it is announced (pub/sub). While it is on, the admin
 * profile serves only superadmins at level 3 (the IP allowlist runs before), and the main
 * profile refuses mutations (`read-only`) or everything (`block`).
 */
export function createLockdown(options: LockdownOptions) {
  const lockdownSwitch = new LockdownSwitch(options.stores);
  let state: LockdownState = LOCKDOWN_OFF;
  let unsubscribe: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const onActivated = new Set<() => void>();

  /** Applies a state, announced, read or failed closed; tells listeners when lockdown starts. */
  const apply = (next: LockdownState) => {
    const started = next.active && !state.active;
    state = next;
    if (started) for (const listener of onActivated) listener();
  };

  const refuses = (identity: Identity, isMutation: boolean): boolean => {
    if (!state.active) return false;
    if (options.profile === "admin") {
      return !(options.isSuperAdmin(identity) && identity.securityLevel >= SecurityLevel.StepUp);
    }
    return options.mainMode === "block" || isMutation;
  };

  /** Refuses (recorded, then thrown `LOCKDOWN_ACTIVE`) what the lockdown refuses now. */
  const admit = (identity: Identity, isMutation: boolean): void => {
    if (!refuses(identity, isMutation)) return;
    options.onRefusal({
      type: "lockdown.refused",
      reason: `lockdown active (${options.profile}${options.profile === "main" ? `, ${options.mainMode}` : ""})`,
      identity,
    });
    throw lockdownActive();
  };

  return {
    /** The state this replica applies. */
    current: () => state,
    /** Whether the lockdown refuses this caller now (for operations outside Apollo). */
    refuses,
    /** Refuses (recorded, `LOCKDOWN_ACTIVE` thrown) what the lockdown refuses now. */
    admit,
    /**
     * Calls `listener` whenever lockdown starts on this replica: announced, read by the periodic
     * refresh, or failed closed because the switch is unreadable. Returns the unsubscribe.
     */
    onActivated(listener: () => void): () => void {
      onActivated.add(listener);
      return () => onActivated.delete(listener);
    },
    /**
     * Loads the switch and follows its changes. Also re-reads it every few seconds, in case an
     * announcement was missed while Redis was away. Fails closed (lockdown on) when the
     * switch cannot be read at start; once it was read, an outage keeps the last state read
     * (nobody can switch it while the stores are down), so service resumes with Redis.
     */
    async start(): Promise<void> {
      let read = false;
      const refresh = async () => {
        try {
          apply(await lockdownSwitch.read());
          read = true;
        } catch (error) {
          if (read) {
            options.logger.warn(
              { err: error, lockdown: state },
              "cannot read the lockdown switch; keeping the last state read",
            );
            return;
          }
          options.logger.error({ err: error }, "cannot read the lockdown switch; failing closed");
          apply({
            active: true,
            reason: "lockdown state unreadable",
            actorId: null,
            changedAt: null,
          });
        }
      };
      try {
        unsubscribe = await lockdownSwitch.subscribe((next) => {
          apply(next);
          options.logger.warn({ lockdown: next }, "emergency lockdown changed");
        });
      } catch (error) {
        options.logger.error({ err: error }, "cannot follow lockdown changes; polling only");
      }
      await refresh();
      timer = setInterval(() => void refresh(), REFRESH_MS);
      timer.unref();
    },
    async close(): Promise<void> {
      clearInterval(timer);
      await unsubscribe?.();
    },
  };
}

/** A replica's lockdown, as {@link createLockdown} returns it. */
export type Lockdown = ReturnType<typeof createLockdown>;
