import { RampartError } from "@rampart/kit";
import { z } from "zod";
import { PaymentProvider, PayoutSchedule } from "./payment-settings.types";

const currencies = new Set(Intl.supportedValuesOf("currency"));

/** A provider credential: printable ASCII without spaces. */
const credential = (min: number, max: number) =>
  z
    .string()
    .min(min, `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`)
    .regex(/^[\x21-\x7e]+$/, "must be printable characters without spaces");

/** Payment settings as the API takes them, validated (secrets optional: kept when absent). */
export const paymentSettingsSchema = z
  .object({
    provider: z.enum(PaymentProvider),
    publishableKey: credential(8, 255),
    secretKey: credential(16, 512).nullable(),
    webhookSigningSecret: credential(16, 512).nullable(),
    payoutSchedule: z.enum(PayoutSchedule),
    currency: z.string().refine((code) => /^[A-Z]{3}$/.test(code) && currencies.has(code), {
      message: "must be an ISO 4217 currency code, such as EUR",
    }),
  })
  .strict();

/** Valid payment settings input. */
export type PaymentSettingsValue = z.infer<typeof paymentSettingsSchema>;

/**
 * Validates the input; the first problem is a `BAD_USER_INPUT` error naming the field. The
 * message never repeats the value (it may be a secret).
 */
export function validatePaymentSettings(value: unknown): PaymentSettingsValue {
  const result = paymentSettingsSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = ["input", ...issue.path.map(String)].join(".");
  throw RampartError.badInput(`${field} ${issue.message}.`, field);
}
