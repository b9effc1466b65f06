import type { EntityManager } from "@mikro-orm/core";
import type { SecretBox } from "@rampart/kit";
import { TwoFactorCredential } from "./two-factor.entity";

/** What one re-seal pass did. */
export interface TwoFactorResealReport {
  /** Rows re-sealed under the sealing key by this pass. */
  readonly resealed: number;
  /** Rows already under the sealing key. */
  readonly current: number;
  /** Rows no key of the ring opens (left as they are; their users must enroll again). */
  readonly unreadable: number;
  /** Rows still under another key after the pass (a process sealing with an old ring). */
  readonly left: number;
}

/** Options for {@link resealTwoFactorSecrets}. */
export interface TwoFactorResealOptions {
  /** Rows read per query. Default 200. */
  batchSize?: number;
  /** Tries per row when concurrent changes keep winning. Default 5. */
  attempts?: number;
}

/**
 * Re-seals every stored TOTP secret under the box's sealing key (`rampart keys rotate totp`).
 * Each row is rewritten by compare-and-set on the sealed value it was read with, so a
 * concurrent enrollment, confirmation or removal is never overwritten: the row is read again
 * and, if it still needs it, re-sealed again. Rows already under the sealing key are skipped,
 * so a pass that was interrupted is simply run again.
 */
export async function resealTwoFactorSecrets(
  rootEm: EntityManager,
  secretBox: SecretBox,
  { batchSize = 200, attempts = 5 }: TwoFactorResealOptions = {},
): Promise<TwoFactorResealReport> {
  let resealed = 0;
  let current = 0;
  let unreadable = 0;
  let after = "";
  for (;;) {
    const em = rootEm.fork({ clear: true });
    const rows = await em.find(
      TwoFactorCredential,
      { userId: { $gt: after } },
      { orderBy: { userId: "asc" }, limit: batchSize, fields: ["userId", "sealedSecret"] },
    );
    if (rows.length === 0) break;
    after = rows[rows.length - 1].userId;
    for (const row of rows) {
      const outcome = await resealOne(rootEm, secretBox, row.userId, row.sealedSecret, attempts);
      if (outcome === "resealed") resealed++;
      else if (outcome === "current") current++;
      else if (outcome === "unreadable") unreadable++;
    }
  }
  const left = (
    await rootEm.fork({ clear: true }).find(TwoFactorCredential, {}, { fields: ["sealedSecret"] })
  ).filter((row) => !secretBox.isSealedWithCurrentKey(row.sealedSecret)).length;
  return { resealed, current, unreadable, left: left - unreadable };
}

async function resealOne(
  rootEm: EntityManager,
  secretBox: SecretBox,
  userId: string,
  sealedSecret: string,
  attempts: number,
): Promise<"resealed" | "current" | "unreadable" | "gone" | "contended"> {
  let sealed: string | null = sealedSecret;
  for (let attempt = 0; attempt < attempts && sealed !== null; attempt++) {
    if (secretBox.isSealedWithCurrentKey(sealed)) return "current";
    let plaintext: string;
    try {
      plaintext = secretBox.open(sealed, userId);
    } catch {
      return "unreadable";
    }
    const em = rootEm.fork({ clear: true });
    const updated = await em.nativeUpdate(
      TwoFactorCredential,
      { userId, sealedSecret: sealed },
      { sealedSecret: secretBox.seal(plaintext, userId) },
    );
    if (updated === 1) return "resealed";
    // Changed meanwhile (a new enrollment, a removal): look again.
    const row = await em.findOne(TwoFactorCredential, { userId }, { fields: ["sealedSecret"] });
    sealed = row?.sealedSecret ?? null;
  }
  return sealed === null ? "gone" : "contended";
}
