import { requireTenant } from "@rampart/kit/subgraph";
import { GraphQLJSON } from "graphql-scalars";
import { Arg, Ctx, Int, Mutation, Query, Resolver } from "type-graphql";
import type { CommerceContext } from "../../services";
import { PageLayoutService } from "./page-layout.service";
import { PublishOrchestrator } from "./publish-orchestrator";
import type { LayoutBlock } from "./storefront-layout";
import { PublishedStorefrontPage, StorefrontPageLayout } from "./storefront.types";

const pagesOf = ({ em, services }: CommerceContext) => new PageLayoutService(em, services.audit);
const orchestratorOf = (context: CommerceContext) =>
  new PublishOrchestrator(context.em, pagesOf(context), context.services.audit);

/**
 * Storefront page layouts: editors and admins of an organization edit its drafts, admins
 * publish and roll back (the organization from the signed identity); anyone reads published
 * pages by organization slug and path.
 */
@Resolver(() => StorefrontPageLayout)
export class StorefrontResolver {
  @Query(() => PublishedStorefrontPage, {
    nullable: true,
    description:
      "The published page at path of the organization with this slug; null when none is published. Drafts are never shown. Open to anyone.",
  })
  storefrontPage(
    @Arg("organizationSlug", () => String) organizationSlug: string,
    @Arg("path", () => String) path: string,
    @Ctx() context: CommerceContext,
  ): Promise<PublishedStorefrontPage | null> {
    return pagesOf(context).published(organizationSlug, path);
  }

  @Query(() => [StorefrontPageLayout], {
    description:
      "The active organization's pages with drafts and history. Editors (org:editor) and admins.",
  })
  storefrontPageLayouts(@Ctx() context: CommerceContext): Promise<StorefrontPageLayout[]> {
    return pagesOf(context).list(requireTenant(context.identity));
  }

  @Mutation(() => StorefrontPageLayout, {
    description:
      "Saves the draft of the page at path (created on first save). Blocks are validated against their type's schema with size caps (64 kB, 200 blocks, nested 4 deep); BAD_USER_INPUT names the first bad field. Editors and admins.",
  })
  saveStorefrontPageDraft(
    @Arg("path", () => String) path: string,
    @Arg("blocks", () => GraphQLJSON) blocks: LayoutBlock[],
    @Ctx() context: CommerceContext,
  ): Promise<StorefrontPageLayout> {
    const { identity } = context;
    return pagesOf(context).saveDraft(identity, requireTenant(identity), path, blocks);
  }

  @Mutation(() => StorefrontPageLayout, {
    description: "Publishes the page's draft as its next version. Organization owner or admins.",
  })
  publishStorefrontPage(
    @Arg("path", () => String) path: string,
    @Ctx() context: CommerceContext,
  ): Promise<StorefrontPageLayout> {
    const { identity } = context;
    return orchestratorOf(context).publish(identity, requireTenant(identity), path);
  }

  @Mutation(() => StorefrontPageLayout, {
    description:
      "Publishes again what an earlier version held (as a new version) and makes it the draft. Organization owner or admins.",
  })
  rollbackStorefrontPage(
    @Arg("path", () => String) path: string,
    @Arg("version", () => Int) version: number,
    @Ctx() context: CommerceContext,
  ): Promise<StorefrontPageLayout> {
    const { identity } = context;
    return orchestratorOf(context).rollback(identity, requireTenant(identity), path, version);
  }
}
