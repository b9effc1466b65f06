import { buildFederatedSchema, type FederatedSchema, type SubgraphConfig } from "@rampart/kit";
import { SessionResolver } from "./modules/sessions/session.resolver";
import { TwoFactorResolver } from "./modules/two-factor/two-factor.resolver";
import { UserResolver, userReference } from "./modules/users/user.resolver";

/** The security subgraph's schema. */
export const buildSecuritySchema = (_config?: SubgraphConfig): Promise<FederatedSchema> =>
  buildFederatedSchema(
    { resolvers: [UserResolver, SessionResolver, TwoFactorResolver] },
    { User: userReference },
  );
