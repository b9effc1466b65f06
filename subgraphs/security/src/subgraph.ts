import type { SubgraphDefinition } from "@rampart/kit";
import { migrations } from "./migrations";
import { BackupCode, TwoFactorCredential } from "./modules/two-factor/two-factor.entity";
import { User } from "./modules/users/user.entity";
import { buildSecuritySchema } from "./schema";
import { seedSecurity } from "./seed";
import { createSecurityServices } from "./services";

/** The security subgraph: users, 2FA, platform sessions (and later allowlists, events). */
export const securitySubgraph: SubgraphDefinition = {
  name: "security",
  entities: [User, TwoFactorCredential, BackupCode],
  migrations,
  buildSchema: buildSecuritySchema,
  services: createSecurityServices,
  seed: seedSecurity,
};
