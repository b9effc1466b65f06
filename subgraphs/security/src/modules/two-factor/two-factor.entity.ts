import { randomUUID } from "node:crypto";
import { Entity, Index, OptionalProps, PrimaryKey, Property } from "@mikro-orm/core";

/**
 * A user's TOTP secret. One row per user: pending while `enabledAt` is null (enrollment begun,
 * not confirmed), active once set. Not exposed through GraphQL.
 */
@Entity({ tableName: "two_factor_credentials" })
export class TwoFactorCredential {
  [OptionalProps]?: "enabledAt" | "lastUsedStep" | "createdAt" | "updatedAt";

  /** Clerk user id (`user_...`), same as `users.id`. */
  @PrimaryKey({ type: "string", length: 64 })
  userId!: string;

  /** The base32 TOTP secret sealed by `SecretBox` (AES-256-GCM, bound to `userId`). */
  @Property({ type: "text" })
  sealedSecret!: string;

  /** When enrollment was confirmed; null while it is pending. */
  @Property({ type: "datetime", nullable: true })
  enabledAt: Date | null = null;

  /**
   * The RFC 6238 time step of the last accepted code; a code of this step or an earlier one is
   * refused. `integer` (int4), not `bigint`: steps are floor(unix seconds / 30), about 59
   * million today, and int4 holds them past the year 4000, while MikroORM maps `bigint` to a
   * string, which would make the `<` comparison and the TypeScript type awkward.
   */
  @Property({ type: "integer", nullable: true })
  lastUsedStep: number | null = null;

  /** When the current (possibly pending) secret was issued. */
  @Property({ type: "datetime" })
  createdAt: Date = new Date();

  /** Last change to this row. */
  @Property({ type: "datetime", onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** One single-use recovery code, stored as a scrypt hash. */
@Entity({ tableName: "backup_codes" })
export class BackupCode {
  [OptionalProps]?: "id" | "usedAt" | "createdAt";

  /** Random id. */
  @PrimaryKey({ type: "uuid" })
  id: string = randomUUID();

  /** Owner's Clerk user id. */
  @Index()
  @Property({ type: "string", length: 64 })
  userId!: string;

  /** `scrypt$N$r$p$<salt>$<hash>` from `hashBackupCode`. */
  @Property({ type: "text" })
  codeHash!: string;

  /** When the code was spent; null while it is still usable. */
  @Property({ type: "datetime", nullable: true })
  usedAt: Date | null = null;

  /** When the code was issued. */
  @Property({ type: "datetime" })
  createdAt: Date = new Date();
}
