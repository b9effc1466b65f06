import { LockMode, UniqueConstraintViolationException, type EntityManager } from "@mikro-orm/core";
import { ErrorCode, RampartError, type Identity, type SecretBox } from "@rampart/kit";
import { AuditedEntity } from "../audit/audit-entry.entity";
import type { AuditLog } from "../audit/audit.service";
import { KycVerificationRecord } from "./kyc.entity";
import {
  KycStatus,
  KycVerification,
  KycVerificationSummary,
  type KycDraftInput,
} from "./kyc.types";
import {
  EMPTY_KYC_DETAILS,
  validateKycDraft,
  validateKycSubmission,
  type KycDetails,
} from "./kyc.validation";

/** The only moves a verification makes, by the status it must be in. */
export const KYC_TRANSITIONS = {
  submit: { from: KycStatus.DRAFT, to: KycStatus.SUBMITTED },
  startReview: { from: KycStatus.SUBMITTED, to: KycStatus.IN_REVIEW },
  approve: { from: KycStatus.IN_REVIEW, to: KycStatus.APPROVED },
  reject: { from: KycStatus.IN_REVIEW, to: KycStatus.REJECTED },
} as const;

/** A move of {@link KYC_TRANSITIONS}. */
export type KycTransition = keyof typeof KYC_TRANSITIONS;

/** Typed refusals of the state machine (400, with `extensions.reason`). */
export const KycErrors = {
  transitionNotAllowed: (status: KycStatus, to: KycStatus) =>
    new RampartError(
      ErrorCode.BadUserInput,
      `A verification in status ${status} cannot move to ${to}.`,
      { reason: "KYC_TRANSITION_NOT_ALLOWED", status },
    ),
  versionConflict: (version: number) =>
    new RampartError(
      ErrorCode.BadUserInput,
      `The verification changed (now version ${version}): read it again.`,
      { reason: "KYC_VERSION_CONFLICT", version },
    ),
  notEditable: (status: KycStatus) =>
    new RampartError(ErrorCode.BadUserInput, `A verification in status ${status} is not a draft.`, {
      reason: "KYC_NOT_EDITABLE",
      status,
    }),
};

const sealContext = (organizationId: string) => `commerce.kyc\u0000${organizationId}\u0000details`;

/** Seals a verification's details (also used by the demo seed). */
export const sealKycDetails = (
  secretBox: SecretBox,
  organizationId: string,
  details: KycDetails,
): string => secretBox.seal(JSON.stringify(details), sealContext(organizationId));

/** The audit snapshot: the sealed details stand for the personal data, redacted. */
const snapshotOf = (record: KycVerificationRecord) => ({
  status: record.status,
  country: record.country,
  details: record.detailsSealed,
  rejectionReason: record.rejectionReason,
});
const PERSONAL = ["details"] as const;

/** "Acme Outfitters Ltd" → "A*** O*** L***". */
const maskName = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => `${word[0]}***`)
    .join(" ");

/**
 * The KYC state machine. Merchants edit their own draft and submit it; superadmins review.
 * Every status change is a compare-and-set (`UPDATE … WHERE status = from AND version = seen`),
 * so of two concurrent reviews exactly one applies; each change carries its audit entry.
 */
export class KycService {
  constructor(
    private readonly em: EntityManager,
    private readonly secretBox: SecretBox,
    private readonly audit: AuditLog,
  ) {}

  /** The organization's verification with its details, or null when it has none. */
  async read(organizationId: string): Promise<KycVerification | null> {
    const record = await this.em.findOne(KycVerificationRecord, { organizationId });
    return record ? this.#viewOf(record) : null;
  }

  /** Verifications past the draft stage, oldest submission first, personal data masked. */
  async list(status: KycStatus | null, first: number): Promise<KycVerificationSummary[]> {
    const statuses =
      status === null ? Object.values(KycStatus).filter((s) => s !== KycStatus.DRAFT) : [status];
    const records = await this.em.find(
      KycVerificationRecord,
      { status: { $in: statuses.filter((s) => s !== KycStatus.DRAFT) } },
      { orderBy: { submittedAt: "asc", organizationId: "asc" }, limit: first },
    );
    return records.map((record) => {
      const details = this.#open(record);
      return Object.assign(new KycVerificationSummary(), {
        organizationId: record.organizationId,
        status: record.status,
        version: record.version,
        country: record.country,
        legalNameMasked: details.legalName === null ? null : maskName(details.legalName),
        registrationNumberMasked:
          details.registrationNumber === null ? null : `***${details.registrationNumber.slice(-4)}`,
        beneficialOwnerCount: details.beneficialOwners.length,
        documentCount: details.documents.length,
        submittedAt: record.submittedAt,
      });
    });
  }

  /** Creates or edits the organization's draft: the given fields on top of the stored ones. */
  async saveDraft(
    identity: Identity,
    organizationId: string,
    input: KycDraftInput,
  ): Promise<KycVerification> {
    const given = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
    for (const [field, value] of Object.entries(given)) if (value === null) delete given[field];
    if (input.address) given.address = { ...input.address, line2: input.address.line2 ?? null };
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { record, entry } = await this.em.transactional(async (tx) => {
          const stored = await tx.findOne(
            KycVerificationRecord,
            { organizationId },
            { lockMode: LockMode.PESSIMISTIC_WRITE },
          );
          if (stored && stored.status !== KycStatus.DRAFT)
            throw KycErrors.notEditable(stored.status);
          const before = stored ? snapshotOf(stored) : null;
          const details = validateKycDraft({
            ...(stored ? this.#open(stored) : EMPTY_KYC_DETAILS),
            ...given,
          });
          const fields = {
            country: details.country,
            detailsSealed: sealKycDetails(this.secretBox, organizationId, details),
            updatedAt: new Date(),
            updatedBy: identity.userId ?? "unknown",
          };
          const saved = stored
            ? Object.assign(stored, fields, { version: stored.version + 1 })
            : tx.create(KycVerificationRecord, {
                organizationId,
                status: KycStatus.DRAFT,
                version: 1,
                rejectionReason: null,
                submittedAt: null,
                reviewedAt: null,
                reviewedBy: null,
                ...fields,
              });
          tx.persist(saved);
          const auditEntry = this.audit.entryFor(tx, identity, {
            entity: AuditedEntity.KYC_VERIFICATION,
            entityId: organizationId,
            organizationId,
            before,
            after: snapshotOf(saved),
            policy: { personal: PERSONAL },
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

  /**
   * Moves the organization's verification by `transition`, only from the status it names and,
   * with `expectedVersion`, only from that version: a compare-and-set in one statement.
   */
  async move(
    identity: Identity,
    organizationId: string,
    transition: KycTransition,
    { expectedVersion, reason }: { expectedVersion?: number | null; reason?: string } = {},
  ): Promise<KycVerification> {
    const { from, to } = KYC_TRANSITIONS[transition];
    const seen = await this.em.fork().findOne(KycVerificationRecord, { organizationId });
    if (!seen) throw RampartError.notFound("KYC verification");
    if (seen.status !== from) throw KycErrors.transitionNotAllowed(seen.status, to);
    if (expectedVersion != null && expectedVersion !== seen.version) {
      throw KycErrors.versionConflict(seen.version);
    }
    if (transition === "submit") validateKycSubmission(this.#open(seen));
    if (transition === "reject") {
      const text = (reason ?? "").trim();
      if (text.length === 0 || text.length > 1000) {
        throw RampartError.badInput("reason must be 1 to 1000 characters.", "reason");
      }
      reason = text;
    }
    const now = new Date();
    const changes = {
      status: to,
      version: seen.version + 1,
      updatedAt: now,
      updatedBy: identity.userId ?? "unknown",
      ...(transition === "submit" ? { submittedAt: now } : {}),
      ...(transition === "approve" || transition === "reject"
        ? { reviewedAt: now, reviewedBy: identity.userId, rejectionReason: reason ?? null }
        : {}),
    };
    const { record, entry } = await this.em.transactional(async (tx) => {
      const applied = await tx.nativeUpdate(
        KycVerificationRecord,
        { organizationId, status: from, version: seen.version },
        changes,
      );
      if (applied === 0) {
        // Someone else moved it first: say where it is now.
        const current = await tx.findOneOrFail(KycVerificationRecord, { organizationId });
        throw current.status !== from
          ? KycErrors.transitionNotAllowed(current.status, to)
          : KycErrors.versionConflict(current.version);
      }
      const after = Object.assign(new KycVerificationRecord(), seen, changes);
      const auditEntry = this.audit.entryFor(tx, identity, {
        entity: AuditedEntity.KYC_VERIFICATION,
        entityId: organizationId,
        organizationId,
        before: snapshotOf(seen),
        after: snapshotOf(after),
        policy: { personal: PERSONAL },
      });
      await tx.flush();
      return { record: after, entry: auditEntry };
    });
    await this.audit.publish(this.em, [entry]);
    return this.#viewOf(record);
  }

  #open(record: KycVerificationRecord): KycDetails {
    return JSON.parse(
      this.secretBox.open(record.detailsSealed, sealContext(record.organizationId)),
    ) as KycDetails;
  }

  #viewOf(record: KycVerificationRecord): KycVerification {
    const details = this.#open(record);
    return Object.assign(new KycVerification(), {
      organizationId: record.organizationId,
      status: record.status,
      version: record.version,
      legalName: details.legalName,
      registrationNumber: details.registrationNumber,
      country: details.country,
      address: details.address,
      beneficialOwners: details.beneficialOwners,
      documents: details.documents,
      rejectionReason: record.rejectionReason,
      submittedAt: record.submittedAt,
      reviewedAt: record.reviewedAt,
      updatedAt: record.updatedAt,
    });
  }
}
