import { clampPage, requireTenant } from "@rampart/kit/subgraph";
import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import type { CommerceContext } from "../../services";
import { KycService } from "./kyc.service";
import { KycDraftInput, KycStatus, KycVerification, KycVerificationSummary } from "./kyc.types";

const serviceOf = ({ em, services }: CommerceContext) =>
  new KycService(em, services.secretBox, services.audit);

const expectedVersionOptions = {
  nullable: true,
  description:
    "The version last read; a verification changed since is refused (KYC_VERSION_CONFLICT).",
} as const;

/**
 * KYC: a merchant organization's owner or admins edit and submit their own verification (the
 * organization from the signed identity); superadmins at level 3 review any (admin profile).
 */
@Resolver(() => KycVerification)
export class KycResolver {
  @Query(() => KycVerification, {
    nullable: true,
    description:
      "The active organization's KYC verification, with its status and any rejection reason; null before a draft is saved. Organization owner or admins.",
  })
  kycVerification(@Ctx() context: CommerceContext): Promise<KycVerification | null> {
    return serviceOf(context).read(requireTenant(context.identity));
  }

  @Directive('@tag(name: "admin")')
  @Query(() => [KycVerificationSummary], {
    description:
      "Submitted verifications (all statuses but DRAFT, or one), oldest submission first, personal data masked. Superadmins, step-up.",
  })
  kycVerifications(
    @Arg("status", () => KycStatus, { nullable: true }) status: KycStatus | null | undefined,
    @Arg("first", () => Int, { defaultValue: 50 }) first: number,
    @Ctx() context: CommerceContext,
  ): Promise<KycVerificationSummary[]> {
    return serviceOf(context).list(status ?? null, clampPage(first));
  }

  @Directive('@tag(name: "admin")')
  @Query(() => KycVerification, {
    nullable: true,
    description:
      "One organization's verification with its details, to review it. Superadmins, step-up.",
  })
  kycVerificationForReview(
    @Arg("organizationId", () => ID) organizationId: string,
    @Ctx() context: CommerceContext,
  ): Promise<KycVerification | null> {
    return serviceOf(context).read(organizationId);
  }

  @Mutation(() => KycVerification, {
    description:
      "Creates or edits the active organization's draft (the given fields; the rest kept). Only a DRAFT is editable (else BAD_USER_INPUT, reason KYC_NOT_EDITABLE). Organization owner or admins.",
  })
  saveKycDraft(
    @Arg("input", () => KycDraftInput) input: KycDraftInput,
    @Ctx() context: CommerceContext,
  ): Promise<KycVerification> {
    const { identity } = context;
    return serviceOf(context).saveDraft(identity, requireTenant(identity), input);
  }

  @Mutation(() => KycVerification, {
    description:
      "DRAFT → SUBMITTED, once every field is filled in (else BAD_USER_INPUT naming it). Organization owner or admins.",
  })
  submitKycVerification(
    @Arg("expectedVersion", () => Int, expectedVersionOptions) expectedVersion: number | null,
    @Ctx() context: CommerceContext,
  ): Promise<KycVerification> {
    const { identity } = context;
    return serviceOf(context).move(identity, requireTenant(identity), "submit", {
      expectedVersion,
    });
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => KycVerification, {
    description: "SUBMITTED → IN_REVIEW. Superadmins, step-up.",
  })
  startKycReview(
    @Arg("organizationId", () => ID) organizationId: string,
    @Arg("expectedVersion", () => Int, expectedVersionOptions) expectedVersion: number | null,
    @Ctx() context: CommerceContext,
  ): Promise<KycVerification> {
    return serviceOf(context).move(context.identity, organizationId, "startReview", {
      expectedVersion,
    });
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => KycVerification, {
    description:
      "IN_REVIEW → APPROVED. Of concurrent reviews exactly one applies; the others get BAD_USER_INPUT (KYC_TRANSITION_NOT_ALLOWED or KYC_VERSION_CONFLICT). Superadmins, step-up.",
  })
  approveKycVerification(
    @Arg("organizationId", () => ID) organizationId: string,
    @Arg("expectedVersion", () => Int, expectedVersionOptions) expectedVersion: number | null,
    @Ctx() context: CommerceContext,
  ): Promise<KycVerification> {
    return serviceOf(context).move(context.identity, organizationId, "approve", {
      expectedVersion,
    });
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => KycVerification, {
    description:
      "IN_REVIEW → REJECTED with a reason (1 to 1000 characters) the merchant sees. Superadmins, step-up.",
  })
  rejectKycVerification(
    @Arg("organizationId", () => ID) organizationId: string,
    @Arg("reason", () => String) reason: string,
    @Arg("expectedVersion", () => Int, expectedVersionOptions) expectedVersion: number | null,
    @Ctx() context: CommerceContext,
  ): Promise<KycVerification> {
    return serviceOf(context).move(context.identity, organizationId, "reject", {
      expectedVersion,
      reason,
    });
  }
}
