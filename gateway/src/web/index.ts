import path from "node:path";
import { loadOrCreateDevKeyPair } from "@rampart/kit";
import express, { type Router } from "express";
import type { GatewayConfig } from "../config";
import { apiSchemaPath } from "../supergraph";
import { createDevSignIn, devSignInAvailable } from "./dev-sign-in";
import { createPlayground } from "./playground";
import { createStaticFiles } from "./static-files";

export { createStaticFiles, type StaticFilesOptions } from "./static-files";
export {
  createPlayground,
  playgroundContentSecurityPolicy,
  defaultPlaygroundMode,
  playgroundProblems,
  playgroundSetting,
  type PlaygroundMode,
  type PlaygroundOptions,
} from "./playground";
export {
  createDevSignIn,
  devSignInAvailable,
  type DevSignInOptions,
  type SignInConfig,
} from "./dev-sign-in";

export { defaultWebRoot } from "./paths";
export { dashboardContentSecurityPolicy } from "./dashboard-csp";

/**
 * The gateway's human faces, for `app.use` after the perimeter's head and guard (so the security
 * headers, the IP allowlist and CORS cover every file): the GraphiQL playground at `/graphiql`
 * (per `PLAYGROUND`), and on the admin profile the development sign-in (`/auth/...`) and the
 * admin dashboard at `/`. Routes it does not know pass on (to 404).
 */
export function createWebFaces(config: GatewayConfig): Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  const playground = createPlayground({
    mode: config.playground,
    profile: config.profile,
    root: path.join(config.webRoot, "graphiql"),
    apiSchemaPath: apiSchemaPath(config.profile),
  });
  if (playground) router.use(playground);
  if (config.profile === "admin") {
    router.use(
      createDevSignIn({
        enabled: devSignInAvailable(config),
        privateKeyPem: () => loadOrCreateDevKeyPair(config.dataDir, "dev-issuer-rsa").privateKeyPem,
        issuer: config.issuer,
        authorizedParty: config.authorizedParties[0],
        clerkPublishableKey: config.clerkPublishableKey ?? null,
      }),
    );
    // The admin CSP the security headers set fits the dashboard (dashboardContentSecurityPolicy).
    router.use(createStaticFiles({ root: path.join(config.webRoot, "app") }));
  }
  return router;
}
