import { buildFederatedSchema, type FederatedSchema } from "@rampart/kit";
import { UserResolver, userReference } from "./modules/users/user.resolver";

/** The security subgraph's schema. */
export const buildSecuritySchema = (): Promise<FederatedSchema> =>
  buildFederatedSchema({ resolvers: [UserResolver] }, { User: userReference });
