// The customer-notice contract between fulfillment (which appends) and notifications (which
// turns each notice into a message to the customer): the stream, the notice, its parsing and
// validation, and the masking of the contact it carries. Subgraphs never import each other;
// both import this.
import { z } from "zod";

/** Stream that carries customer notices from fulfillment to the notifications subgraph. */
export const CUSTOMER_NOTICE_STREAM = "customer-notices";

/**
 * Entries the customer-notice stream keeps (appends trim it approximately): far more than the
 * notifications consumer ever lags behind, small enough that a stalled consumer bounds Redis.
 */
export const CUSTOMER_NOTICE_STREAM_MAX_LENGTH = 100_000;

/** An email address a customer can be written to. */
const email = z.string().trim().email().max(254);
/** A phone number in E.164 form (`+15551234567`). */
const phone = z.string().regex(/^\+[1-9]\d{6,14}$/);

/** How a customer is reached: an email address, an E.164 phone number, or both. */
export interface CustomerContact {
  /** Email address. */
  readonly email: string | null;
  /** Phone number in E.164 form. */
  readonly phone: string | null;
}

/** A contact field that is not what it should be. */
export class CustomerContactError extends Error {
  constructor(
    /** `email` or `phone`. */
    readonly field: "email" | "phone",
    message: string,
  ) {
    super(message);
    this.name = "CustomerContactError";
  }
}

/**
 * Checks a customer contact: `email` an email address (254 characters at most), `phone` E.164
 * (`+` and 7 to 15 digits). Empty or missing fields are null. Throws {@link CustomerContactError}
 * naming the field (its message never repeats the value).
 */
export function parseCustomerContact(input: {
  email?: string | null;
  phone?: string | null;
}): CustomerContact {
  const given = (value: string | null | undefined) =>
    value === undefined || value === null || value.trim() === "" ? null : value;
  const rawEmail = given(input.email);
  const rawPhone = given(input.phone);
  const parsedEmail = rawEmail === null ? null : email.safeParse(rawEmail);
  if (parsedEmail && !parsedEmail.success) {
    throw new CustomerContactError("email", "The customer's email must be an email address.");
  }
  if (rawPhone !== null && !phone.safeParse(rawPhone).success) {
    throw new CustomerContactError(
      "phone",
      "The customer's phone must be a number in E.164 form (+15551234567).",
    );
  }
  return { email: parsedEmail?.data ?? null, phone: rawPhone };
}

/** Whether a contact names a way to reach the customer. */
export const hasCustomerContact = (contact: CustomerContact): boolean =>
  contact.email !== null || contact.phone !== null;

/** An email address as reads show it: `a***@example.com`. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf("@");
  if (at <= 0) return "***";
  return `${address[0]}***${address.slice(at)}`;
}

/** A phone number as reads show it: its last 4 digits, `***4567`. */
export const maskPhone = (number: string): string =>
  number.length > 4 ? `***${number.slice(-4)}` : "***";

/** A contact as reads show it (masked), never as it is stored. */
export const maskCustomerContact = (contact: CustomerContact): CustomerContact => ({
  email: contact.email === null ? null : maskEmail(contact.email),
  phone: contact.phone === null ? null : maskPhone(contact.phone),
});

/** What a shipment's customer is told about: one status of one shipment. */
export interface CustomerNotice {
  /** Unique id: fulfillment's notify job id, the same on every retry (notifications dedupe by it). */
  readonly id: string;
  /** Tenant that ships. */
  readonly organizationId: string;
  /** The shipment. */
  readonly shipmentId: string;
  /** The order it fulfils. */
  readonly orderId: string;
  /** The status the customer is told about (`LABEL_CREATED`, `DELIVERED`, ...). */
  readonly status: string;
  /** Shipping provider's display name. */
  readonly carrier: string;
  /** The carrier's tracking number, when there is one. */
  readonly trackingNumber: string | null;
  /** Where to reach the customer (personal data: never logged). */
  readonly contact: CustomerContact;
  /** When fulfillment handed it over, ISO 8601. */
  readonly occurredAt: string;
}

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const noticeSchema = z.object({
  id,
  organizationId: id,
  shipmentId: id,
  orderId: id,
  status: z.string().regex(/^[A-Z_]{1,32}$/),
  carrier: z.string().min(1).max(64),
  trackingNumber: z.string().min(1).max(64).nullable(),
  contact: z.object({ email: email.nullable(), phone: phone.nullable() }),
  occurredAt: z.iso.datetime(),
});

/** A stream entry that is no customer notice. */
export class CustomerNoticeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CustomerNoticeError";
  }
}

/** A notice as the fields of a stream entry. */
export const customerNoticeFields = (notice: CustomerNotice): Record<string, string> => ({
  notice: JSON.stringify(notice),
});

/**
 * Reads a notice back from a stream entry's fields and validates it: ids, status, a contact with
 * at least one valid email address or E.164 number. Throws {@link CustomerNoticeError} (whose
 * message names what is wrong, never the contact's value).
 */
export function parseCustomerNotice(fields: Record<string, string>): CustomerNotice {
  let value: unknown;
  try {
    value = JSON.parse(fields.notice ?? "");
  } catch {
    throw new CustomerNoticeError("the entry carries no JSON notice");
  }
  const parsed = noticeSchema.safeParse(value);
  if (!parsed.success) {
    const paths = [...new Set(parsed.error.issues.map((issue) => issue.path.join(".")))];
    throw new CustomerNoticeError(`invalid notice: ${paths.join(", ") || "not an object"}`);
  }
  const notice = parsed.data;
  if (!hasCustomerContact(notice.contact)) {
    throw new CustomerNoticeError("invalid notice: the contact has neither email nor phone");
  }
  return notice;
}
