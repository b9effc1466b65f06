import fs from "node:fs";
import express, { type Request, type Response, type Router } from "express";
import { z } from "zod";
import { createStaticFiles } from "./static-files";

/**
 * Who gets the GraphiQL playground at `/graphiql` (`PLAYGROUND`): `open` (anyone the profile's
 * perimeter admits; the page loads the profile's committed API schema file instead of
 * introspecting), `superadmin` (admin profile only: the page is served behind the IP allowlist
 * and, without a schema file, loads the schema by introspection, which only superadmins may
 * run), `off`. Default: see {@link defaultPlaygroundMode}.
 */
export type PlaygroundMode = "open" | "superadmin" | "off";

/** Who may introspect (`INTROSPECTION`), as the playground's rule needs it. */
type IntrospectionSetting = "superadmin" | "off" | "everyone";

/** The `PLAYGROUND` setting, for the gateway's config schema. */
export const playgroundSetting = z
  .enum(["open", "superadmin", "off"])
  .optional()
  .describe(
    "Set PLAYGROUND to open (development default; anyone, with the API schema file), superadmin (admin profile; superadmins only, by introspection) or off (production default, and the default whenever INTROSPECTION=off)",
  );

/**
 * `PLAYGROUND` when unset: it follows `INTROSPECTION`, so that the playground never hands out a
 * schema the operator hid. Off in production and whenever introspection is off; open otherwise
 * (development).
 */
export function defaultPlaygroundMode(
  introspection: IntrospectionSetting,
  production: boolean,
): PlaygroundMode {
  return production || introspection === "off" ? "off" : "open";
}

/**
 * Combinations of `PLAYGROUND` (as set, or undefined) and `INTROSPECTION` that cannot work or
 * would undo one another, as the config reports them: `open` publishes the API schema file, so
 * it is refused with `INTROSPECTION=off` (and in production); `superadmin` loads the schema by
 * introspection, so it needs `INTROSPECTION=superadmin`.
 */
export function playgroundProblems(
  mode: PlaygroundMode | undefined,
  introspection: IntrospectionSetting,
  production: boolean,
): { variable: string; message: string }[] {
  if (mode === "open" && production) {
    return [
      {
        variable: "PLAYGROUND",
        message: "open is refused in production; use superadmin or off (the default)",
      },
    ];
  }
  if (mode === "open" && introspection === "off") {
    return [
      {
        variable: "PLAYGROUND",
        message:
          "open hands out the API schema that INTROSPECTION=off hides: set PLAYGROUND=off (the default with INTROSPECTION=off), or INTROSPECTION=superadmin",
      },
    ];
  }
  if (mode === "superadmin" && introspection !== "superadmin") {
    return [
      {
        variable: "PLAYGROUND",
        message:
          "superadmin loads the schema by introspection for superadmins: set INTROSPECTION=superadmin, or PLAYGROUND=off",
      },
    ];
  }
  return [];
}

/**
 * The playground's own policy: scripts only from this origin (no inline script, no eval);
 * the editor (Monaco) injects its styles, so styles may be inline; its workers are files of
 * this origin.
 */
export const playgroundContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/** Options for {@link createPlayground}. */
export interface PlaygroundOptions {
  /** Who gets it. */
  mode: PlaygroundMode;
  /** The profile this gateway serves: subscriptions (graphql-ws) exist on admin only. */
  profile: "main" | "admin";
  /** The built playground (`admin-ui/dist/graphiql`). */
  root: string;
  /** The profile's API schema file (`schema/api.<profile>.graphql`), handed out in `open` mode. */
  apiSchemaPath: string;
}

/** What the playground page asks for at start (`/graphiql/config.json`). */
export interface PlaygroundPageConfig {
  readonly profile: "main" | "admin";
  /** Path of the graphql-ws endpoint, or null when this profile has no subscriptions. */
  readonly subscriptionsPath: string | null;
  /** Path of the SDL to load instead of introspecting, or null (introspection). */
  readonly schemaPath: string | null;
}

/**
 * GraphiQL at `/graphiql`, bundled (nothing from a CDN), or null when the mode and profile give
 * it to nobody (so the route answers 404 like any unknown path). Mount it after the perimeter's
 * head and guard: the security headers and IP allowlist apply, and the page gets its own CSP.
 */
export function createPlayground(options: PlaygroundOptions): Router | null {
  if (options.mode === "off") return null;
  if (options.mode === "superadmin" && options.profile !== "admin") return null;
  const files = createStaticFiles({
    root: options.root,
    contentSecurityPolicy: playgroundContentSecurityPolicy,
  });
  const schemaPath = options.mode === "open" ? "/graphiql/schema.graphql" : null;
  const pageConfig: PlaygroundPageConfig = {
    profile: options.profile,
    subscriptionsPath: options.profile === "admin" ? "/graphql" : null,
    schemaPath,
  };
  const router = express.Router({ caseSensitive: true, strict: true });
  router.get("/graphiql/config.json", (_req: Request, res: Response) => {
    res.json(pageConfig);
  });
  if (schemaPath) {
    const sdl = fs.existsSync(options.apiSchemaPath)
      ? fs.readFileSync(options.apiSchemaPath, "utf8")
      : null;
    router.get(schemaPath, (_req: Request, res: Response) => {
      if (sdl === null) return void res.status(404).end();
      res.type("application/graphql; charset=utf-8").send(sdl);
    });
  }
  // `/graphiql` without the slash would resolve the page's relative URLs one level up.
  router.get("/graphiql", (_req: Request, res: Response) => res.redirect(308, "/graphiql/"));
  router.use("/graphiql", files);
  return router;
}
