import { RampartError } from "@rampart/kit";
import { z } from "zod";

const regions = new Intl.DisplayNames(["en"], { type: "region" });
/** ISO 3166-1 alpha-2, one the runtime knows (an unknown code displays as itself). */
const countryCode = z
  .string()
  .refine((code) => /^[A-Z]{2}$/.test(code) && regions.of(code) !== code, {
    message: "must be an ISO 3166-1 alpha-2 country code, such as FR",
  });

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]*$/, "must not hold control characters");

/** Document types a verification accepts. */
export const KYC_CONTENT_TYPES = ["application/pdf", "image/jpeg", "image/png"] as const;
/** Largest document, in bytes. */
export const KYC_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

const isPastDate = (value: string) => {
  const time = Date.parse(`${value}T00:00:00Z`);
  return (
    /^\d{4}-\d{2}-\d{2}$/.test(value) &&
    !Number.isNaN(time) &&
    new Date(time).toISOString().startsWith(value) &&
    time < Date.now() &&
    time > Date.UTC(1900, 0, 1)
  );
};

const fields = {
  legalName: text(200),
  registrationNumber: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ./-]{0,63}$/, "must be 1 to 64 letters, digits, spaces, . / -"),
  country: countryCode,
  address: z
    .object({
      line1: text(200),
      line2: text(200).nullable(),
      city: text(100),
      postalCode: z.string().regex(/^[A-Za-z0-9 -]{1,20}$/, "must be a postal code"),
      country: countryCode,
    })
    .strict(),
  beneficialOwners: z
    .array(
      z
        .object({
          fullName: text(200),
          dateOfBirth: z.string().refine(isPastDate, "must be a past date, YYYY-MM-DD"),
          nationality: countryCode,
          ownershipPercent: z.number().gt(0, "must be above 0").max(100, "must be at most 100"),
        })
        .strict(),
    )
    .max(10, "must list at most 10 owners")
    .refine(
      (owners) => owners.reduce((sum, owner) => sum + owner.ownershipPercent, 0) <= 100,
      "must not own more than 100% together",
    ),
  documents: z
    .array(
      z
        .object({
          fileName: text(255).regex(/^[^/\\]+$/, "must be a file name, not a path"),
          contentType: z.enum(KYC_CONTENT_TYPES),
          sizeBytes: z.number().int().min(1).max(KYC_MAX_DOCUMENT_BYTES, "must be at most 20 MB"),
          sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits"),
        })
        .strict(),
    )
    .max(20, "must list at most 20 documents"),
};

/** A draft: every field optional, each valid when given. */
const draftSchema = z
  .object({
    legalName: fields.legalName.nullable(),
    registrationNumber: fields.registrationNumber.nullable(),
    country: fields.country.nullable(),
    address: fields.address.nullable(),
    beneficialOwners: fields.beneficialOwners,
    documents: fields.documents,
  })
  .strict();

/** What a verification holds (sealed at rest). */
export type KycDetails = z.infer<typeof draftSchema>;

/** A draft with nothing filled in. */
export const EMPTY_KYC_DETAILS: KycDetails = {
  legalName: null,
  registrationNumber: null,
  country: null,
  address: null,
  beneficialOwners: [],
  documents: [],
};

/** A submission: every field present, at least one owner and one document. */
const submissionSchema = draftSchema.extend({
  legalName: fields.legalName,
  registrationNumber: fields.registrationNumber,
  country: fields.country,
  address: fields.address,
  beneficialOwners: fields.beneficialOwners.refine((owners) => owners.length > 0, {
    message: "must list at least one owner",
  }),
  documents: fields.documents.refine((documents) => documents.length > 0, {
    message: "must list at least one document",
  }),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = [prefix, ...issue.path.map(String)].join(".");
  // The message names the field, never the value (personal data).
  throw RampartError.badInput(`${field} ${issue.message}.`, field);
}

/** Validates a draft; BAD_USER_INPUT names the first bad field (`input.address.city`). */
export const validateKycDraft = (value: unknown): KycDetails => parse(draftSchema, value, "input");

/** Validates that a draft is complete enough to submit; BAD_USER_INPUT names what is missing. */
export const validateKycSubmission = (value: unknown): KycDetails =>
  parse(submissionSchema, value, "verification");
