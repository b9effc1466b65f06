import { Entity, Enum, Index, PrimaryKey, Property } from "@mikro-orm/core";
import { KycStatus } from "./kyc.types";

/**
 * A merchant organization's verification. The details (legal name, registration number,
 * address, beneficial owners, document references) are personal data: sealed as one JSON
 * value (`SecretBox`, bound to the organization). Status changes are compare-and-set on
 * `status` and `version`.
 */
@Entity({ tableName: "kyc_verifications" })
@Index({ properties: ["status", "submittedAt"] })
export class KycVerificationRecord {
  @PrimaryKey({ type: "string", length: 64 })
  organizationId!: string;

  @Enum({ items: () => KycStatus, nativeEnumName: undefined })
  status!: KycStatus;

  @Property({ type: "integer" })
  version!: number;

  /** ISO 3166-1 alpha-2 of the business; not personal, kept clear for review queues. */
  @Property({ type: "string", length: 2, nullable: true })
  country: string | null = null;

  /** The sealed details (see `KycDetails`). */
  @Property({ type: "text" })
  detailsSealed!: string;

  @Property({ type: "text", nullable: true })
  rejectionReason: string | null = null;

  @Property({ type: "datetime", nullable: true })
  submittedAt: Date | null = null;

  @Property({ type: "datetime", nullable: true })
  reviewedAt: Date | null = null;

  @Property({ type: "string", length: 64, nullable: true })
  reviewedBy: string | null = null;

  @Property({ type: "datetime" })
  updatedAt!: Date;

  @Property({ type: "string", length: 64 })
  updatedBy!: string;
}
