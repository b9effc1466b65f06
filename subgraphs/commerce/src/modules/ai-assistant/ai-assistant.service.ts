import { LockMode, UniqueConstraintViolationException, type EntityManager } from "@mikro-orm/core";
import type { Identity } from "@rampart/kit";
import { AuditedEntity } from "../audit/audit-entry.entity";
import type { AuditLog } from "../audit/audit.service";
import { AiAssistantSettings } from "./ai-assistant.entity";
import {
  AiAssistantConfig,
  AiAssistantConfigState,
  type AiAssistantConfigInput,
} from "./ai-assistant.types";
import {
  AI_ASSISTANT_DEFAULTS,
  validateAiAssistantSettings,
  type AiAssistantSettingsValue,
} from "./ai-assistant.validation";

/** The settings of a stored configuration, as plain data (also its audit snapshot). */
const settingsOf = (stored: AiAssistantSettings): AiAssistantSettingsValue => ({
  modelName: stored.modelName,
  temperature: stored.temperature,
  maxTokens: stored.maxTokens,
  systemPrompt: stored.systemPrompt,
  enabledChannels: [...stored.enabledChannels],
  businessHours: stored.businessHours,
  handOff: stored.handOff,
});

/** What the API shows for an organization: its saved configuration, or the defaults. */
function viewOf(organizationId: string, stored: AiAssistantSettings | null): AiAssistantConfig {
  const settings = stored ? settingsOf(stored) : AI_ASSISTANT_DEFAULTS;
  return Object.assign(new AiAssistantConfig(), {
    organizationId,
    state: stored ? AiAssistantConfigState.CUSTOMIZED : AiAssistantConfigState.DEFAULTS,
    ...structuredClone(settings),
    updatedAt: stored?.updatedAt ?? null,
    updatedBy: stored?.updatedBy ?? null,
  });
}

/** The input's fields that were given (null and absent alike keep the current value). */
function givenFields(input: AiAssistantConfigInput): Record<string, unknown> {
  // Input objects are class instances: keep plain data only.
  const given = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
  for (const [field, value] of Object.entries(given)) if (value === null) delete given[field];
  if (input.handOff) {
    given.handOff = {
      enabled: input.handOff.enabled,
      afterUnresolvedMessages: input.handOff.afterUnresolvedMessages ?? null,
      triggerPhrases: input.handOff.triggerPhrases ?? [],
    };
  }
  return given;
}

/**
 * Reads and changes AI assistant configurations, always for one organization the caller's
 * identity (or a superadmin's read) chose. Each change is one transaction holding the row's
 * lock, with its audit entry; the entry is published after the commit.
 */
export class AiAssistantService {
  constructor(
    private readonly em: EntityManager,
    private readonly audit: AuditLog,
  ) {}

  /** The organization's configuration, or the documented defaults (state DEFAULTS). */
  async read(organizationId: string): Promise<AiAssistantConfig> {
    return viewOf(organizationId, await this.em.findOne(AiAssistantSettings, { organizationId }));
  }

  /** Applies the given fields on top of the current configuration (or the defaults). */
  update(
    identity: Identity,
    organizationId: string,
    input: AiAssistantConfigInput,
  ): Promise<AiAssistantConfig> {
    const given = givenFields(input);
    return this.#change(identity, organizationId, (current) =>
      validateAiAssistantSettings({ ...(current ?? AI_ASSISTANT_DEFAULTS), ...given }),
    );
  }

  /** Deletes the saved configuration: the organization is back on the defaults. */
  reset(identity: Identity, organizationId: string): Promise<AiAssistantConfig> {
    return this.#change(identity, organizationId, () => null);
  }

  async #change(
    identity: Identity,
    organizationId: string,
    next: (current: AiAssistantSettingsValue | null) => AiAssistantSettingsValue | null,
  ): Promise<AiAssistantConfig> {
    // Validation happens before any write; a first save racing another one meets its row on
    // the retry (the primary key refuses the second insert).
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { view, entry } = await this.em.transactional(async (tx) => {
          const stored = await tx.findOne(
            AiAssistantSettings,
            { organizationId },
            { lockMode: LockMode.PESSIMISTIC_WRITE },
          );
          const before = stored ? settingsOf(stored) : null;
          const after = next(before);
          if (JSON.stringify(before) === JSON.stringify(after)) {
            return { view: viewOf(organizationId, stored), entry: null };
          }
          let saved: AiAssistantSettings | null = null;
          if (after === null) {
            if (stored) tx.remove(stored);
          } else {
            const stamp = { updatedAt: new Date(), updatedBy: identity.userId ?? "unknown" };
            saved = stored
              ? Object.assign(stored, after, stamp)
              : tx.create(AiAssistantSettings, { organizationId, ...after, ...stamp });
            tx.persist(saved);
          }
          const auditEntry = this.audit.entryFor(tx, identity, {
            entity: AuditedEntity.AI_ASSISTANT_CONFIG,
            entityId: organizationId,
            organizationId,
            before,
            after,
          });
          await tx.flush();
          return { view: viewOf(organizationId, saved), entry: auditEntry };
        });
        await this.audit.publish(this.em, [entry]);
        return view;
      } catch (error) {
        if (attempt === 0 && error instanceof UniqueConstraintViolationException) continue;
        throw error;
      }
    }
  }
}
