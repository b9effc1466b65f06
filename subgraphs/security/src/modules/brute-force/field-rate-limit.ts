import { RampartError } from "@rampart/kit";
import type { SubgraphContext } from "@rampart/kit/subgraph";
import type { KeyValueStore } from "@rampart/kit/stores";
import { createRateLimitRule, type Store } from "graphql-rate-limit";

/** graphql-rate-limit's store, kept in the shared stores so every replica counts together. */
class SharedRateLimitStore implements Store {
  constructor(private readonly kv: KeyValueStore) {}

  private key(identity: { contextIdentity: string; fieldIdentity: string }): string {
    return `field-rate:${identity.fieldIdentity}:${identity.contextIdentity}`;
  }

  async setForIdentity(
    identity: { contextIdentity: string; fieldIdentity: string },
    timestamps: readonly number[],
    windowMs?: number,
  ): Promise<void> {
    await this.kv.set(
      this.key(identity),
      JSON.stringify(timestamps),
      windowMs ? { ttlMs: windowMs } : {},
    );
  }

  async getForIdentity(identity: {
    contextIdentity: string;
    fieldIdentity: string;
  }): Promise<readonly number[]> {
    const stored = await this.kv.get(this.key(identity));
    return stored === null ? [] : (JSON.parse(stored) as number[]);
  }
}

/** Window of the per-field limits on second-factor mutations. */
export const SECOND_FACTOR_FIELD_WINDOW_SECONDS = 60;

/**
 * A shield rule factory limiting calls per field and caller with graphql-rate-limit. The batch
 * request cache makes aliases and batched operations count one by one: 50 aliased
 * `verifyTwoFactor` calls in one request are 50 calls.
 */
export function createFieldRateLimit(kv: KeyValueStore) {
  return createRateLimitRule({
    store: new SharedRateLimitStore(kv),
    enableBatchRequestCache: true,
    identifyContext: (context: SubgraphContext) =>
      context.identity.userId ?? context.identity.ip ?? "anonymous",
    createError: () => RampartError.tooManyAttempts(SECOND_FACTOR_FIELD_WINDOW_SECONDS),
  });
}
