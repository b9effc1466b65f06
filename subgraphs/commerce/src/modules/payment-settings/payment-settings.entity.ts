import { Entity, Enum, PrimaryKey, Property } from "@mikro-orm/core";
import { PaymentProvider, PayoutSchedule } from "./payment-settings.types";

/**
 * An organization's stored payment settings. Secrets are sealed (`SecretBox`, bound to the
 * organization and the field): no plaintext, not even the last four characters, is stored.
 */
@Entity({ tableName: "payment_settings" })
export class PaymentSettingsRecord {
  @PrimaryKey({ type: "string", length: 64 })
  organizationId!: string;

  @Enum({ items: () => PaymentProvider, nativeEnumName: undefined })
  provider!: PaymentProvider;

  @Property({ type: "string", length: 255 })
  publishableKey!: string;

  /** Sealed secret key. */
  @Property({ type: "text" })
  secretKeySealed!: string;

  /** Sealed webhook signing secret. */
  @Property({ type: "text" })
  webhookSigningSecretSealed!: string;

  @Enum({ items: () => PayoutSchedule, nativeEnumName: undefined })
  payoutSchedule!: PayoutSchedule;

  @Property({ type: "string", length: 3 })
  currency!: string;

  @Property({ type: "datetime" })
  updatedAt!: Date;

  @Property({ type: "string", length: 64 })
  updatedBy!: string;
}
