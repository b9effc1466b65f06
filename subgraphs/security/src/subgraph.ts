import type { SubgraphDefinition } from "@rampart/kit";
import { migrations } from "./migrations";
import { User } from "./modules/users/user.entity";
import { buildSecuritySchema } from "./schema";
import { seedSecurity } from "./seed";

/** The security subgraph: users (and later 2FA, sessions, allowlists, events). */
export const securitySubgraph: SubgraphDefinition = {
  name: "security",
  entities: [User],
  migrations,
  buildSchema: buildSecuritySchema,
  seed: seedSecurity,
};
