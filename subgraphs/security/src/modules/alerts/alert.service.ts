import type { EntityManager } from "@mikro-orm/core";
import { RampartError, type Identity } from "@rampart/kit";
import { ALERTS_LOCK_SQL } from "./alert.engine";
import { AlertStatus, SecurityAlert } from "./alert.entity";
import type { AlertChange, AlertNotifier } from "./alert.feed";

/** Most alerts `securityAlerts` returns (the newest). */
export const MAX_LISTED_ALERTS = 200;

/** Longest acknowledgement or resolution note. */
export const MAX_NOTE_LENGTH = 1_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The statuses each change may start from. */
const allowedFrom: Readonly<Record<Exclude<AlertChange, "raised">, readonly AlertStatus[]>> = {
  acknowledged: [AlertStatus.OPEN],
  resolved: [AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED],
};

/** Reads alerts and moves them through their statuses, for superadmins. */
export class AlertService {
  constructor(
    private readonly em: EntityManager,
    private readonly notifier: AlertNotifier,
  ) {}

  /** The newest alerts (by first trigger), at most {@link MAX_LISTED_ALERTS}; all statuses when null. */
  list(statuses: readonly AlertStatus[] | null | undefined): Promise<SecurityAlert[]> {
    const where = statuses ? { status: { $in: [...new Set(statuses)] } } : {};
    return this.em.find(SecurityAlert, where, {
      orderBy: { firstSeenAt: "desc", id: "desc" },
      limit: MAX_LISTED_ALERTS,
    });
  }

  /** Open → acknowledged. NOT_FOUND for an unknown id; BAD_USER_INPUT from any other status. */
  acknowledge(id: string, note: string | null | undefined, by: Identity): Promise<SecurityAlert> {
    return this.#change(id, "acknowledged", note, by);
  }

  /** Open or acknowledged → resolved; a later trigger raises a new alert. */
  resolve(id: string, note: string | null | undefined, by: Identity): Promise<SecurityAlert> {
    return this.#change(id, "resolved", note, by);
  }

  async #change(
    id: string,
    change: Exclude<AlertChange, "raised">,
    note: string | null | undefined,
    by: Identity,
  ): Promise<SecurityAlert> {
    const text = checkNote(note);
    if (by.userId === null) throw RampartError.unauthenticated("Sign in to do this.");
    if (!UUID.test(id)) throw RampartError.notFound("Security alert");
    const alert = await this.em.fork().transactional(async (tx) => {
      await tx.getConnection().execute(ALERTS_LOCK_SQL, [], "all", tx.getTransactionContext());
      const found = await tx.findOne(SecurityAlert, { id: id.toLowerCase() });
      if (!found) throw RampartError.notFound("Security alert");
      if (!allowedFrom[change].includes(found.status)) {
        throw RampartError.badInput(
          `This alert is ${found.status}; only ${allowedFrom[change].join(" or ")} alerts can be ${change}.`,
          "id",
        );
      }
      const now = new Date();
      if (change === "acknowledged") {
        found.status = AlertStatus.ACKNOWLEDGED;
        found.acknowledgedById = by.userId;
        found.acknowledgedAt = now;
        found.acknowledgementNote = text;
      } else {
        found.status = AlertStatus.RESOLVED;
        found.resolvedById = by.userId;
        found.resolvedAt = now;
        found.resolutionNote = text;
      }
      await tx.flush();
      return found;
    });
    await this.notifier.announce(alert, change, {
      actorId: by.userId,
      organizationId: by.organizationId,
      ip: by.ip,
      requestId: by.requestId,
    });
    return alert;
  }
}

/** A note: trimmed, empty as null, at most {@link MAX_NOTE_LENGTH}, no control characters but line breaks and tabs. */
function checkNote(note: string | null | undefined): string | null {
  if (note === null || note === undefined) return null;
  const trimmed = note.trim();
  if (trimmed.length > MAX_NOTE_LENGTH) {
    throw RampartError.badInput(`Give a note of at most ${MAX_NOTE_LENGTH} characters.`, "note");
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(trimmed)) {
    throw RampartError.badInput("A note may not hold control characters.", "note");
  }
  return trimmed === "" ? null : trimmed;
}
