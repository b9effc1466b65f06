import type { EntityManager } from "@mikro-orm/core";
import { loadOrCreateDevSecret, SecretBox } from "@rampart/kit";
import type { SubgraphConfig, SubgraphContext, SubgraphRuntime } from "@rampart/kit/subgraph";
import { StoreAttemptGuard } from "../brute-force/attempt-guard";
import {
  configuredTwoFactorKeys,
  TWO_FACTOR_DEV_SECRET,
  type TwoFactorConfig,
} from "./two-factor.config";
import { TwoFactorService } from "./two-factor.service";

/** What the two-factor resolvers use besides the shared runtime. */
export interface TwoFactorServices {
  /** A two-factor service working in the request's entity manager. */
  twoFactor(em: EntityManager): TwoFactorService;
  /** How old a first-factor sign-in may be to start a 2FA enrollment, in minutes. */
  readonly recentSignInMinutes: number;
}

/** The configuration the two-factor module reads. */
export type TwoFactorModuleConfig = SubgraphConfig & TwoFactorConfig;

/** What two-factor resolvers (and those asking for a user's 2FA status) receive. */
export type TwoFactorContext = SubgraphContext<TwoFactorModuleConfig, TwoFactorServices>;

/**
 * The secret box of a configuration: its key ring, or the development key generated under
 * `RAMPART_DATA_DIR/keys` when none is configured (production refuses that at start).
 */
export function twoFactorSecretBox(config: TwoFactorConfig & SubgraphConfig): SecretBox {
  const keys = configuredTwoFactorKeys(config);
  return new SecretBox(
    keys.length > 0 ? keys : loadOrCreateDevSecret(config.RAMPART_DATA_DIR, TWO_FACTOR_DEV_SECRET),
  );
}

/** Creates the two-factor services: one secret box and one attempt guard for the process. */
export function createTwoFactorServices(
  runtime: SubgraphRuntime<TwoFactorModuleConfig>,
): TwoFactorServices {
  const { config } = runtime;
  const secretBox = twoFactorSecretBox(config);
  const guard = new StoreAttemptGuard(runtime.stores, runtime.securityEvents);
  return {
    twoFactor: (em) =>
      new TwoFactorService({ em, secretBox, guard, issuer: config.TWO_FACTOR_ISSUER }),
    recentSignInMinutes: config.TWO_FACTOR_RECENT_SIGN_IN_MINUTES,
  };
}
