import { randomUUID } from "node:crypto";
import { createHash } from "node:crypto";
import { LockMode, UniqueConstraintViolationException, type EntityManager } from "@mikro-orm/core";
import type { Identity } from "@rampart/kit";
import { AuditedEntity } from "../audit/audit-entry.entity";
import type { AuditLog } from "../audit/audit.service";
import { Organization } from "../organizations/organization.entity";
import { StorefrontPage, StorefrontPageVersion } from "./storefront-page.entity";
import { validateLayout, validatePath } from "./storefront-layout";
import {
  PublishedStorefrontPage,
  StorefrontPageLayout,
  StorefrontPageVersionView,
} from "./storefront.types";

/** A page's audit snapshot: blocks by digest (an entry stays small), and what is published. */
export const pageSnapshot = (page: StorefrontPage) => ({
  path: page.path,
  draftDigest: createHash("sha256")
    .update(JSON.stringify(page.draftBlocks))
    .digest("hex")
    .slice(0, 16),
  publishedVersion: page.publishedVersion,
});

/**
 * Stores storefront page layouts: drafts per organization and path, and reads of drafts,
 * history and published pages. Publishing and rollback are the `PublishOrchestrator`'s.
 */
export class PageLayoutService {
  constructor(
    private readonly em: EntityManager,
    private readonly audit: AuditLog,
  ) {}

  /** The organization's pages, by path, with their history. */
  async list(organizationId: string): Promise<StorefrontPageLayout[]> {
    const pages = await this.em.find(
      StorefrontPage,
      { organizationId },
      { orderBy: { path: "asc" } },
    );
    return Promise.all(pages.map((page) => this.viewOf(page)));
  }

  /** Saves the draft of the page at `path` (created on first save); storefronts do not see it. */
  async saveDraft(
    identity: Identity,
    organizationId: string,
    path: string,
    blocks: unknown,
  ): Promise<StorefrontPageLayout> {
    validatePath(path);
    const draftBlocks = validateLayout(blocks);
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { page, entry } = await this.em.transactional(async (tx) => {
          const stored = await tx.findOne(
            StorefrontPage,
            { organizationId, path },
            { lockMode: LockMode.PESSIMISTIC_WRITE },
          );
          const before = stored ? pageSnapshot(stored) : null;
          const fields = {
            draftBlocks,
            draftUpdatedAt: new Date(),
            draftUpdatedBy: identity.userId ?? "unknown",
          };
          const saved = stored
            ? Object.assign(stored, fields)
            : tx.create(StorefrontPage, {
                id: randomUUID(),
                organizationId,
                path,
                publishedVersion: null,
                ...fields,
              });
          tx.persist(saved);
          const auditEntry = this.audit.entryFor(tx, identity, {
            entity: AuditedEntity.STOREFRONT_PAGE,
            entityId: saved.id,
            organizationId,
            before,
            after: pageSnapshot(saved),
          });
          await tx.flush();
          return { page: saved, entry: auditEntry };
        });
        await this.audit.publish(this.em, [entry]);
        return this.viewOf(page);
      } catch (error) {
        if (attempt === 0 && error instanceof UniqueConstraintViolationException) continue;
        throw error;
      }
    }
  }

  /** The published page at `path` of the organization with `organizationSlug`; never a draft. */
  async published(organizationSlug: string, path: string): Promise<PublishedStorefrontPage | null> {
    const organization = await this.em.findOne(Organization, { slug: organizationSlug });
    if (!organization) return null;
    const page = await this.em.findOne(StorefrontPage, { organizationId: organization.id, path });
    if (!page || page.publishedVersion === null) return null;
    const version = await this.em.findOneOrFail(StorefrontPageVersion, {
      pageId: page.id,
      number: page.publishedVersion,
    });
    return Object.assign(new PublishedStorefrontPage(), {
      organizationSlug,
      path,
      version: version.number,
      blocks: version.blocks,
      publishedAt: version.publishedAt,
    });
  }

  /** What editors and admins see of a page. */
  async viewOf(page: StorefrontPage): Promise<StorefrontPageLayout> {
    const versions = await this.em.find(
      StorefrontPageVersion,
      { pageId: page.id },
      { orderBy: { number: "desc" } },
    );
    return Object.assign(new StorefrontPageLayout(), {
      id: page.id,
      organizationId: page.organizationId,
      path: page.path,
      draftBlocks: page.draftBlocks,
      draftUpdatedAt: page.draftUpdatedAt,
      draftUpdatedBy: page.draftUpdatedBy,
      publishedVersion: page.publishedVersion,
      versions: versions.map((version) =>
        Object.assign(new StorefrontPageVersionView(), {
          organizationId: version.organizationId,
          number: version.number,
          blocks: version.blocks,
          publishedAt: version.publishedAt,
          publishedBy: version.publishedBy,
        }),
      ),
    });
  }
}
