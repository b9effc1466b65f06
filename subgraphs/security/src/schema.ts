import {
  buildFederatedSchema,
  ruleOptionsFrom,
  type FederatedSchema,
  type SubgraphRuntime,
} from "@rampart/kit/subgraph";
import type { SecurityConfig } from "./config";
import { AlertResolver } from "./modules/alerts";
import { createFieldRateLimit } from "./modules/brute-force/field-rate-limit";
import { IpAllowlistResolver } from "./modules/ip-allowlist";
import { SecurityEventResolver } from "./modules/security-events";
import { LockdownResolver } from "./modules/lockdown/lockdown.resolver";
import { MonitoringResolver, SecurityMetricsSubscriptionResolver } from "./modules/monitoring";
import { SessionResolver } from "./modules/sessions/session.resolver";
import { TwoFactorResolver } from "./modules/two-factor/two-factor.resolver";
import { UserResolver, userReference } from "./modules/users/user.resolver";
import { securityPermissions } from "./permissions";

/**
 * The security subgraph's schema, guarded by its permissions. Without `config` (the SDL drift
 * check) the rules fail closed; without `runtime` there is no per-field rate limit. The
 * `Subscription` type is tagged admin in the SDL when all its fields are (the main contract).
 */
export const buildSecuritySchema = (
  config?: SecurityConfig,
  runtime?: SubgraphRuntime<SecurityConfig>,
): Promise<FederatedSchema> =>
  buildFederatedSchema(
    {
      resolvers: [
        UserResolver,
        SessionResolver,
        TwoFactorResolver,
        LockdownResolver,
        IpAllowlistResolver,
        SecurityEventResolver,
        MonitoringResolver,
        SecurityMetricsSubscriptionResolver,
        AlertResolver,
      ],
    },
    { User: userReference },
    securityPermissions(config ? ruleOptionsFrom(config) : {}, {
      codeAttemptLimit: runtime
        ? createFieldRateLimit(runtime.stores.kv)({ window: "60s", max: 10 })
        : undefined,
    }),
  );
