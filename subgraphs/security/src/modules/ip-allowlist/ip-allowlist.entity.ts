import { randomUUID } from "node:crypto";
import { Check, Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from "@mikro-orm/core";
import { Directive, Field, ID, ObjectType } from "type-graphql";

/** `created_by` of the entries that mirror `ADMIN_IP_ALLOWLIST`. */
export const BOOTSTRAP_CREATOR = "bootstrap";

/**
 * One allowlisted IPv4 or IPv6 range, global or for one organization. Gateways never read
 * this table: the service publishes every change to the shared stores (see the service).
 */
@Directive('@tag(name: "admin")')
@ObjectType("IpAllowlistEntry", {
  description: "An allowlisted IPv4 or IPv6 range, for everyone or for one organization.",
})
@Entity({ tableName: "ip_allowlist_entries" })
@Check<IpAllowlistEntry>({
  name: "ip_allowlist_entries_scope_check",
  expression: `("is_global" and "organization_id" is null) or (not "is_global" and "organization_id" is not null)`,
})
// One row per bootstrap range, even when several replicas start at once.
@Unique({
  name: "ip_allowlist_entries_bootstrap_unique",
  expression: `create unique index "ip_allowlist_entries_bootstrap_unique" on "ip_allowlist_entries" ("ip_range") where "created_by" = 'bootstrap'`,
})
export class IpAllowlistEntry {
  [OptionalProps]?: "id" | "organizationId" | "expiresAt" | "createdAt";

  /** Random id. */
  @Field(() => ID)
  @PrimaryKey({ type: "uuid" })
  id: string = randomUUID();

  /** Normalized CIDR (`10.0.0.0/8`, `2001:db8::/32`); IPv4-mapped IPv6 is stored as IPv4. */
  @Field(() => String, { description: "Normalized CIDR, such as 10.0.0.0/8 or 2001:db8::/32." })
  @Property({ type: "text" })
  ipRange!: string;

  /** Why the range is allowed (at most 500 characters). */
  @Field(() => String)
  @Property({ type: "text" })
  description!: string;

  /** The organization the entry is for; null when it is global. */
  @Field(() => ID, { nullable: true })
  @Index()
  @Property({ type: "string", length: 64, nullable: true })
  organizationId: string | null = null;

  /** True for an entry that applies to everyone (then `organizationId` is null). */
  @Field(() => Boolean)
  @Property({ type: "boolean" })
  isGlobal!: boolean;

  /** User id of the superadmin who added it, or `bootstrap` for `ADMIN_IP_ALLOWLIST`. */
  @Field(() => String)
  @Property({ type: "text" })
  createdBy!: string;

  /** When it was added. */
  @Field(() => Date)
  @Property({ type: "datetime" })
  createdAt: Date = new Date();

  /** When it stops counting; null for never. */
  @Field(() => Date, { nullable: true })
  @Property({ type: "datetime", nullable: true })
  expiresAt: Date | null = null;
}
