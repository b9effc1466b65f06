import { GraphQLJSON } from "graphql-scalars";
import { Field, ID, Int, ObjectType } from "type-graphql";
import type { LayoutBlock } from "./storefront-layout";

/** A published version of a page, in its history. */
@ObjectType("StorefrontPageVersion", { description: "A published version of a page." })
export class StorefrontPageVersionView {
  /** For the tenant rule; not a field. */
  organizationId!: string;
  @Field(() => Int) number!: number;
  @Field(() => GraphQLJSON, { description: "The blocks published." }) blocks!: LayoutBlock[];
  @Field(() => Date) publishedAt!: Date;
  @Field(() => ID) publishedBy!: string;
}

/** A page as its organization's editors and admins see it: draft, published version, history. */
@ObjectType("StorefrontPageLayout", {
  description: "A storefront page as its organization's editors and admins see it.",
})
export class StorefrontPageLayout {
  @Field(() => ID) id!: string;
  @Field(() => ID) organizationId!: string;
  @Field(() => String) path!: string;
  @Field(() => GraphQLJSON, {
    description:
      "The draft's blocks: HERO, PRODUCT_GRID, TEXT, IMAGE, FAQ, CHAT_WIDGET, each with its fields and optional children.",
  })
  draftBlocks!: LayoutBlock[];
  @Field(() => Date) draftUpdatedAt!: Date;
  @Field(() => ID) draftUpdatedBy!: string;
  @Field(() => Int, {
    nullable: true,
    description: "What storefronts see; null before publishing.",
  })
  publishedVersion!: number | null;
  @Field(() => [StorefrontPageVersionView], { description: "Published versions, newest first." })
  versions!: StorefrontPageVersionView[];
}

/** What a storefront reads: a published page, never a draft. */
@ObjectType("StorefrontPage", {
  description:
    "A published storefront page, as anyone may read it. Text in blocks is data: a client renders it escaped.",
})
export class PublishedStorefrontPage {
  @Field(() => String) organizationSlug!: string;
  @Field(() => String) path!: string;
  @Field(() => Int) version!: number;
  @Field(() => GraphQLJSON) blocks!: LayoutBlock[];
  @Field(() => Date) publishedAt!: Date;
}
