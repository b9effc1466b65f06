import { Organization } from "../organizations/organization.entity";
import { RampartError } from "@rampart/kit";
import { requireTenant } from "@rampart/kit/subgraph";
import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from "type-graphql";
import type { CommerceContext } from "../../services";
import { AiAssistantService } from "./ai-assistant.service";
import { AiAssistantConfig, AiAssistantConfigInput } from "./ai-assistant.types";

const serviceOf = ({ em, services }: CommerceContext) => new AiAssistantService(em, services.audit);

/**
 * AI assistant configuration: organization admins read and change their own organization's
 * (the organization always comes from the signed identity); superadmins read any
 * (permissions.ts holds the rules).
 */
@Resolver(() => AiAssistantConfig)
export class AiAssistantResolver {
  @Query(() => AiAssistantConfig, {
    description:
      "The active organization's AI assistant configuration (state DEFAULTS when it never saved one). Organization admins.",
  })
  aiAssistantConfig(@Ctx() context: CommerceContext): Promise<AiAssistantConfig> {
    return serviceOf(context).read(requireTenant(context.identity));
  }

  @Directive('@tag(name: "admin")')
  @Query(() => AiAssistantConfig, {
    description: "Any organization's AI assistant configuration. Superadmins, second factor.",
  })
  async organizationAiAssistantConfig(
    @Arg("organizationId", () => ID) organizationId: string,
    @Ctx() context: CommerceContext,
  ): Promise<AiAssistantConfig> {
    const known = await context.em.count(Organization, { id: organizationId });
    if (known === 0) throw RampartError.notFound("Organization");
    return serviceOf(context).read(organizationId);
  }

  @Mutation(() => AiAssistantConfig, {
    description:
      "Saves the active organization's AI assistant configuration: the given fields on top of the current ones (or the defaults); every field is validated (BAD_USER_INPUT with extensions.field). Organization admins.",
  })
  updateAiAssistantConfig(
    @Arg("input", () => AiAssistantConfigInput) input: AiAssistantConfigInput,
    @Ctx() context: CommerceContext,
  ): Promise<AiAssistantConfig> {
    const { identity } = context;
    return serviceOf(context).update(identity, requireTenant(identity), input);
  }

  @Mutation(() => AiAssistantConfig, {
    description:
      "Deletes the active organization's saved AI assistant configuration: back to the defaults. Organization admins.",
  })
  resetAiAssistantConfig(@Ctx() context: CommerceContext): Promise<AiAssistantConfig> {
    const { identity } = context;
    return serviceOf(context).reset(identity, requireTenant(identity));
  }
}
