import { randomUUID } from "node:crypto";
import { LockMode, type EntityManager } from "@mikro-orm/core";
import { RampartError, type Identity } from "@rampart/kit";
import { AuditedEntity } from "../audit/audit-entry.entity";
import type { AuditLog } from "../audit/audit.service";
import { pageSnapshot, type PageLayoutService } from "./page-layout.service";
import { StorefrontPage, StorefrontPageVersion } from "./storefront-page.entity";
import type { LayoutBlock } from "./storefront-layout";
import { validatePath } from "./storefront-layout";
import type { StorefrontPageLayout } from "./storefront.types";

/**
 * Publishes pages: a new version (the next number) from the draft, or, for a rollback, from an
 * earlier version, which also becomes the draft again. History is never rewritten: a rollback
 * is a new version. Each runs in one transaction holding the page's lock, with its audit entry.
 */
export class PublishOrchestrator {
  constructor(
    private readonly em: EntityManager,
    private readonly pages: PageLayoutService,
    private readonly audit: AuditLog,
  ) {}

  /** Publishes the page's current draft. */
  publish(identity: Identity, organizationId: string, path: string): Promise<StorefrontPageLayout> {
    return this.#publishFrom(identity, organizationId, path, async (page) => page.draftBlocks);
  }

  /** Publishes again what version `number` held, and makes it the draft. */
  rollback(
    identity: Identity,
    organizationId: string,
    path: string,
    number: number,
  ): Promise<StorefrontPageLayout> {
    return this.#publishFrom(identity, organizationId, path, async (page, tx) => {
      const earlier = await tx.findOne(StorefrontPageVersion, { pageId: page.id, number });
      if (!earlier) throw RampartError.notFound(`Version ${number} of this page`);
      page.draftBlocks = earlier.blocks;
      return earlier.blocks;
    });
  }

  async #publishFrom(
    identity: Identity,
    organizationId: string,
    path: string,
    blocksOf: (page: StorefrontPage, tx: EntityManager) => Promise<LayoutBlock[]>,
  ): Promise<StorefrontPageLayout> {
    validatePath(path);
    const { page, entry } = await this.em.transactional(async (tx) => {
      const page = await tx.findOne(
        StorefrontPage,
        { organizationId, path },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!page) throw RampartError.notFound("Storefront page");
      const before = pageSnapshot(page);
      const blocks = await blocksOf(page, tx);
      const latest = await tx.findOne(
        StorefrontPageVersion,
        { pageId: page.id },
        { orderBy: { number: "desc" } },
      );
      const number = (latest?.number ?? 0) + 1;
      tx.create(StorefrontPageVersion, {
        id: randomUUID(),
        pageId: page.id,
        organizationId,
        number,
        blocks,
        publishedAt: new Date(),
        publishedBy: identity.userId ?? "unknown",
      });
      page.publishedVersion = number;
      const auditEntry = this.audit.entryFor(tx, identity, {
        entity: AuditedEntity.STOREFRONT_PAGE,
        entityId: page.id,
        organizationId,
        before,
        after: pageSnapshot(page),
      });
      await tx.flush();
      return { page, entry: auditEntry };
    });
    await this.audit.publish(this.em, [entry]);
    return this.pages.viewOf(page);
  }
}
