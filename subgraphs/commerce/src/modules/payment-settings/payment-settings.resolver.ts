import { requireTenant } from "@rampart/kit/subgraph";
import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { CommerceContext } from "../../services";
import { PaymentSettingsService } from "./payment-settings.service";
import { PaymentSettings, PaymentSettingsInput } from "./payment-settings.types";

const serviceOf = ({ em, services }: CommerceContext) =>
  new PaymentSettingsService(em, services.secretBox, services.audit);

/**
 * Payment settings of the caller's own organization (from the signed identity, never an
 * argument): its owner or admins read them; changes also need level 3 (permissions.ts).
 */
@Resolver(() => PaymentSettings)
export class PaymentSettingsResolver {
  @Query(() => PaymentSettings, {
    nullable: true,
    description:
      "The active organization's payment settings (null when none are saved); secrets show their last four characters only. Organization owner or admins.",
  })
  paymentSettings(@Ctx() context: CommerceContext): Promise<PaymentSettings | null> {
    return serviceOf(context).read(requireTenant(context.identity));
  }

  @Mutation(() => PaymentSettings, {
    description:
      "Saves the active organization's payment settings; secrets are sealed at rest and never returned. Organization owner or admins, with a second factor verified in the step-up window (STEP_UP_REQUIRED otherwise).",
  })
  updatePaymentSettings(
    @Arg("input", () => PaymentSettingsInput) input: PaymentSettingsInput,
    @Ctx() context: CommerceContext,
  ): Promise<PaymentSettings> {
    const { identity } = context;
    return serviceOf(context).save(identity, requireTenant(identity), input);
  }

  @Mutation(() => Boolean, {
    description:
      "Deletes the active organization's payment settings; false when there were none. Organization owner or admins, step-up.",
  })
  deletePaymentSettings(@Ctx() context: CommerceContext): Promise<boolean> {
    const { identity } = context;
    return serviceOf(context).delete(identity, requireTenant(identity));
  }
}
