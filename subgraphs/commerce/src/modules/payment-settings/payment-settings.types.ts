import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";

/** The payment service provider an organization takes payments with. */
export enum PaymentProvider {
  STRIPE = "STRIPE",
  ADYEN = "ADYEN",
  PAYPAL = "PAYPAL",
  MOLLIE = "MOLLIE",
}
registerEnumType(PaymentProvider, {
  name: "PaymentProvider",
  description: "The payment service provider an organization takes payments with.",
});

/** How often the provider pays the organization out. */
export enum PayoutSchedule {
  DAILY = "DAILY",
  WEEKLY = "WEEKLY",
  MONTHLY = "MONTHLY",
  MANUAL = "MANUAL",
}
registerEnumType(PayoutSchedule, {
  name: "PayoutSchedule",
  description: "How often the provider pays the organization out.",
});

/** An organization's payment settings; secrets are never returned, only their last four characters. */
@ObjectType("PaymentSettings", {
  description:
    "An organization's payment settings. Secrets are sealed at rest and never returned: only their last four characters.",
})
export class PaymentSettings {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => PaymentProvider)
  provider!: PaymentProvider;

  @Field(() => String, { description: "The provider's publishable (public) key." })
  publishableKey!: string;

  @Field(() => String, { description: "The last four characters of the secret key." })
  secretKeyLastFour!: string;

  @Field(() => String, {
    description: "The last four characters of the webhook signing secret.",
  })
  webhookSigningSecretLastFour!: string;

  @Field(() => PayoutSchedule)
  payoutSchedule!: PayoutSchedule;

  @Field(() => String, { description: "Settlement currency, ISO 4217 (such as EUR)." })
  currency!: string;

  @Field(() => Date)
  updatedAt!: Date;

  @Field(() => ID)
  updatedBy!: string;
}

/**
 * A complete set of payment settings. The two secrets may be left out to keep the stored ones;
 * the first save needs both.
 */
@InputType("PaymentSettingsInput", {
  description:
    "Payment settings to save. secretKey and webhookSigningSecret may be left out (or null) to keep the stored ones; the first save needs both.",
})
export class PaymentSettingsInput {
  @Field(() => PaymentProvider)
  provider!: PaymentProvider;

  @Field(() => String)
  publishableKey!: string;

  @Field(() => String, { nullable: true })
  secretKey?: string | null;

  @Field(() => String, { nullable: true })
  webhookSigningSecret?: string | null;

  @Field(() => PayoutSchedule)
  payoutSchedule!: PayoutSchedule;

  @Field(() => String)
  currency!: string;
}
