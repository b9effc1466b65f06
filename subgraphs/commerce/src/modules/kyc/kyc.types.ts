import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";

/** Where a merchant's verification is: `DRAFT → SUBMITTED → IN_REVIEW → APPROVED | REJECTED`. */
export enum KycStatus {
  DRAFT = "DRAFT",
  SUBMITTED = "SUBMITTED",
  IN_REVIEW = "IN_REVIEW",
  APPROVED = "APPROVED",
  REJECTED = "REJECTED",
}
registerEnumType(KycStatus, {
  name: "KycStatus",
  description:
    "Where a verification is. Only DRAFT → SUBMITTED → IN_REVIEW → APPROVED or REJECTED (with a reason); APPROVED and REJECTED are final.",
});

@ObjectType("KycAddress", { description: "A registered business address." })
export class KycAddress {
  @Field(() => String) line1!: string;
  @Field(() => String, { nullable: true }) line2!: string | null;
  @Field(() => String) city!: string;
  @Field(() => String) postalCode!: string;
  @Field(() => String, { description: "ISO 3166-1 alpha-2." }) country!: string;
}

@ObjectType("BeneficialOwner", { description: "A person who owns or controls the business." })
export class BeneficialOwner {
  @Field(() => String) fullName!: string;
  @Field(() => String, { description: "YYYY-MM-DD." }) dateOfBirth!: string;
  @Field(() => String, { description: "ISO 3166-1 alpha-2." }) nationality!: string;
  @Field(() => Float, { description: "Share owned, above 0 and at most 100." })
  ownershipPercent!: number;
}

@ObjectType("KycDocument", {
  description: "A reference to an uploaded document (not its content).",
})
export class KycDocument {
  @Field(() => String) fileName!: string;
  @Field(() => String, { description: "application/pdf, image/jpeg or image/png." })
  contentType!: string;
  @Field(() => Int, { description: "Size in bytes, at most 20 MB." }) sizeBytes!: number;
  @Field(() => String, { description: "SHA-256 of the content, 64 lower-case hex digits." })
  sha256!: string;
}

/** A merchant's verification with its details (its own admins, or a reviewing superadmin). */
@ObjectType("KycVerification", {
  description:
    "A merchant organization's verification. Personal data is encrypted at rest; lists show it masked (KycVerificationSummary).",
})
export class KycVerification {
  @Field(() => ID) organizationId!: string;
  @Field(() => KycStatus) status!: KycStatus;
  @Field(() => Int, {
    description: "Increases with every change; pass it back as expectedVersion.",
  })
  version!: number;
  @Field(() => String, { nullable: true }) legalName!: string | null;
  @Field(() => String, { nullable: true }) registrationNumber!: string | null;
  @Field(() => String, { nullable: true, description: "ISO 3166-1 alpha-2." })
  country!: string | null;
  @Field(() => KycAddress, { nullable: true }) address!: KycAddress | null;
  @Field(() => [BeneficialOwner]) beneficialOwners!: BeneficialOwner[];
  @Field(() => [KycDocument]) documents!: KycDocument[];
  @Field(() => String, { nullable: true, description: "Why it was rejected (REJECTED only)." })
  rejectionReason!: string | null;
  @Field(() => Date, { nullable: true }) submittedAt!: Date | null;
  @Field(() => Date, { nullable: true }) reviewedAt!: Date | null;
  @Field(() => Date) updatedAt!: Date;
}

/** One verification in a reviewer's list: personal data masked. */
@ObjectType("KycVerificationSummary", {
  description: "One verification in a list, personal data masked.",
})
export class KycVerificationSummary {
  @Field(() => ID) organizationId!: string;
  @Field(() => KycStatus) status!: KycStatus;
  @Field(() => Int) version!: number;
  @Field(() => String, { nullable: true }) country!: string | null;
  @Field(() => String, {
    nullable: true,
    description: "First letter of each word, the rest masked.",
  })
  legalNameMasked!: string | null;
  @Field(() => String, { nullable: true, description: "Last four characters only." })
  registrationNumberMasked!: string | null;
  @Field(() => Int) beneficialOwnerCount!: number;
  @Field(() => Int) documentCount!: number;
  @Field(() => Date, { nullable: true }) submittedAt!: Date | null;
}

@InputType("KycAddressInput")
export class KycAddressInput {
  @Field(() => String) line1!: string;
  @Field(() => String, { nullable: true }) line2?: string | null;
  @Field(() => String) city!: string;
  @Field(() => String) postalCode!: string;
  @Field(() => String) country!: string;
}

@InputType("BeneficialOwnerInput")
export class BeneficialOwnerInput {
  @Field(() => String) fullName!: string;
  @Field(() => String) dateOfBirth!: string;
  @Field(() => String) nationality!: string;
  @Field(() => Float) ownershipPercent!: number;
}

@InputType("KycDocumentInput")
export class KycDocumentInput {
  @Field(() => String) fileName!: string;
  @Field(() => String) contentType!: string;
  @Field(() => Int) sizeBytes!: number;
  @Field(() => String) sha256!: string;
}

/** A draft's fields; those left out keep their value. Everything is required to submit. */
@InputType("KycDraftInput", {
  description: "A draft's fields; those left out keep their value. All are required to submit.",
})
export class KycDraftInput {
  @Field(() => String, { nullable: true }) legalName?: string | null;
  @Field(() => String, { nullable: true }) registrationNumber?: string | null;
  @Field(() => String, { nullable: true }) country?: string | null;
  @Field(() => KycAddressInput, { nullable: true }) address?: KycAddressInput | null;
  @Field(() => [BeneficialOwnerInput], { nullable: true })
  beneficialOwners?: BeneficialOwnerInput[] | null;
  @Field(() => [KycDocumentInput], { nullable: true }) documents?: KycDocumentInput[] | null;
}
