import { Entity, Index, PrimaryKey, Property, Unique } from "@mikro-orm/core";
import type { LayoutBlock } from "./storefront-layout";

/**
 * One storefront page of an organization, by path: its working draft and which published
 * version storefronts see (none until the first publish).
 */
@Entity({ tableName: "storefront_pages" })
@Unique({ properties: ["organizationId", "path"] })
export class StorefrontPage {
  @PrimaryKey({ type: "uuid" })
  id!: string;

  @Property({ type: "string", length: 64 })
  organizationId!: string;

  /** `/`, `/about`, `/collections/summer`. */
  @Property({ type: "string", length: 200 })
  path!: string;

  /** The draft's blocks (validated typed data; text is stored as given, never as markup). */
  @Property({ type: "json" })
  draftBlocks!: LayoutBlock[];

  @Property({ type: "datetime" })
  draftUpdatedAt!: Date;

  @Property({ type: "string", length: 64 })
  draftUpdatedBy!: string;

  /** The version storefronts see; null before the first publish. */
  @Property({ type: "integer", nullable: true })
  publishedVersion: number | null = null;
}

/** A published version of a page: kept for history and rollback, never changed. */
@Entity({ tableName: "storefront_page_versions" })
@Unique({ properties: ["pageId", "number"] })
@Index({ properties: ["organizationId"] })
export class StorefrontPageVersion {
  @PrimaryKey({ type: "uuid" })
  id!: string;

  @Property({ type: "uuid" })
  pageId!: string;

  @Property({ type: "string", length: 64 })
  organizationId!: string;

  /** 1, 2, 3… per page. */
  @Property({ type: "integer" })
  number!: number;

  @Property({ type: "json" })
  blocks!: LayoutBlock[];

  @Property({ type: "datetime" })
  publishedAt!: Date;

  @Property({ type: "string", length: 64 })
  publishedBy!: string;
}
