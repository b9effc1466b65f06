import { LockMode, UniqueConstraintViolationException, type EntityManager } from "@mikro-orm/core";
import { RampartError, type Identity, type SecretBox } from "@rampart/kit";
import { AuditedEntity } from "../audit/audit-entry.entity";
import type { AuditLog } from "../audit/audit.service";
import { PaymentSettingsRecord } from "./payment-settings.entity";
import { PaymentSettings, type PaymentSettingsInput } from "./payment-settings.types";
import { validatePaymentSettings } from "./payment-settings.validation";

/** Which sealed field a secret is: bound into the seal, so a value moved elsewhere does not open. */
const sealContext = (organizationId: string, field: "secretKey" | "webhookSigningSecret") =>
  `commerce.payment-settings\u0000${organizationId}\u0000${field}`;

/** Seals one payment secret of an organization (also used by the demo seed). */
export const sealPaymentSecret = (
  secretBox: SecretBox,
  organizationId: string,
  field: "secretKey" | "webhookSigningSecret",
  secret: string,
): string => secretBox.seal(secret, sealContext(organizationId, field));

/** The audit snapshot: sealed values stand for the secrets (they change when a secret is replaced). */
const snapshotOf = (record: PaymentSettingsRecord) => ({
  provider: record.provider,
  publishableKey: record.publishableKey,
  secretKey: record.secretKeySealed,
  webhookSigningSecret: record.webhookSigningSecretSealed,
  payoutSchedule: record.payoutSchedule,
  currency: record.currency,
});

/** Fields whose values never reach an audit entry or event. */
const SECRET_FIELDS = ["secretKey", "webhookSigningSecret"] as const;

/**
 * Reads and changes payment settings, always of the caller's own organization. Secrets are
 * sealed before they are stored and are opened only to show their last four characters.
 */
export class PaymentSettingsService {
  constructor(
    private readonly em: EntityManager,
    private readonly secretBox: SecretBox,
    private readonly audit: AuditLog,
  ) {}

  /** The organization's settings, or null when it has none. */
  async read(organizationId: string): Promise<PaymentSettings | null> {
    const record = await this.em.findOne(PaymentSettingsRecord, { organizationId });
    return record ? this.#viewOf(record) : null;
  }

  /** Saves the settings (the secrets left out are kept); the first save needs both secrets. */
  async save(
    identity: Identity,
    organizationId: string,
    input: PaymentSettingsInput,
  ): Promise<PaymentSettings> {
    const value = validatePaymentSettings({
      provider: input.provider,
      publishableKey: input.publishableKey,
      secretKey: input.secretKey ?? null,
      webhookSigningSecret: input.webhookSigningSecret ?? null,
      payoutSchedule: input.payoutSchedule,
      currency: input.currency,
    });
    const sealed = {
      secretKeySealed:
        value.secretKey === null
          ? null
          : sealPaymentSecret(this.secretBox, organizationId, "secretKey", value.secretKey),
      webhookSigningSecretSealed:
        value.webhookSigningSecret === null
          ? null
          : sealPaymentSecret(
              this.secretBox,
              organizationId,
              "webhookSigningSecret",
              value.webhookSigningSecret,
            ),
    };
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { record, entry } = await this.em.transactional(async (tx) => {
          const stored = await tx.findOne(
            PaymentSettingsRecord,
            { organizationId },
            { lockMode: LockMode.PESSIMISTIC_WRITE },
          );
          const before = stored ? snapshotOf(stored) : null;
          const secretKeySealed = sealed.secretKeySealed ?? stored?.secretKeySealed;
          const webhookSigningSecretSealed =
            sealed.webhookSigningSecretSealed ?? stored?.webhookSigningSecretSealed;
          if (!secretKeySealed || !webhookSigningSecretSealed) {
            const field = secretKeySealed ? "input.webhookSigningSecret" : "input.secretKey";
            throw RampartError.badInput(`${field} is required for the first save.`, field);
          }
          const fields = {
            provider: value.provider,
            publishableKey: value.publishableKey,
            secretKeySealed,
            webhookSigningSecretSealed,
            payoutSchedule: value.payoutSchedule,
            currency: value.currency,
            updatedAt: new Date(),
            updatedBy: identity.userId ?? "unknown",
          };
          const saved = stored
            ? Object.assign(stored, fields)
            : tx.create(PaymentSettingsRecord, { organizationId, ...fields });
          tx.persist(saved);
          const auditEntry = this.audit.entryFor(tx, identity, {
            entity: AuditedEntity.PAYMENT_SETTINGS,
            entityId: organizationId,
            organizationId,
            before,
            after: snapshotOf(saved),
            policy: { secret: SECRET_FIELDS },
          });
          await tx.flush();
          return { record: saved, entry: auditEntry };
        });
        await this.audit.publish(this.em, [entry]);
        return this.#viewOf(record);
      } catch (error) {
        if (attempt === 0 && error instanceof UniqueConstraintViolationException) continue;
        throw error;
      }
    }
  }

  /** Deletes the organization's settings; false when it had none. */
  async delete(identity: Identity, organizationId: string): Promise<boolean> {
    const entry = await this.em.transactional(async (tx) => {
      const stored = await tx.findOne(
        PaymentSettingsRecord,
        { organizationId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!stored) return undefined;
      const auditEntry = this.audit.entryFor(tx, identity, {
        entity: AuditedEntity.PAYMENT_SETTINGS,
        entityId: organizationId,
        organizationId,
        before: snapshotOf(stored),
        after: null,
        policy: { secret: SECRET_FIELDS },
      });
      tx.remove(stored);
      await tx.flush();
      return auditEntry;
    });
    if (entry === undefined) return false;
    await this.audit.publish(this.em, [entry]);
    return true;
  }

  #viewOf(record: PaymentSettingsRecord): PaymentSettings {
    const lastFour = (sealedValue: string, field: "secretKey" | "webhookSigningSecret") =>
      this.secretBox.open(sealedValue, sealContext(record.organizationId, field)).slice(-4);
    return Object.assign(new PaymentSettings(), {
      organizationId: record.organizationId,
      provider: record.provider,
      publishableKey: record.publishableKey,
      secretKeyLastFour: lastFour(record.secretKeySealed, "secretKey"),
      webhookSigningSecretLastFour: lastFour(
        record.webhookSigningSecretSealed,
        "webhookSigningSecret",
      ),
      payoutSchedule: record.payoutSchedule,
      currency: record.currency,
      updatedAt: record.updatedAt,
      updatedBy: record.updatedBy,
    });
  }
}
