// What `docker compose` does with docker-compose.yml before it starts anything, for tests on a
// machine without a Docker engine: read `.env`, parse the YAML (with `<<` merge keys) and
// interpolate every value as the compose specification says.
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { envFileValues } from "../../src/cli/env-file";
import { writeSecrets } from "../../src/cli/secrets";

/** The repository's root. */
export const repositoryRoot = path.resolve(__dirname, "..", "..", "..");
/** The compose file, as committed. */
export const composePath = path.join(repositoryRoot, "docker-compose.yml");
/** The example `.env`, as committed. */
export const envExamplePath = path.join(repositoryRoot, ".env.example");

/** A `${NAME:?message}` or `${NAME?message}` that compose refused (it stops every command). */
export class RequiredVariableError extends Error {}

/** The compose file without its comment lines (compose interpolates values, never comments). */
export function withoutComments(text: string): string {
  return text.replace(/^\s*#.*$/gm, "");
}

/** Variables the compose file reads, in `${NAME...}` or `$NAME` form (`$$` is a literal `$`). */
export function referencedVariables(text: string): string[] {
  const names = new Set<string>();
  for (const match of withoutComments(text).matchAll(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)/g,
  )) {
    const name = match[1] ?? match[2];
    if (name) names.add(name);
  }
  return [...names].sort();
}

/**
 * Interpolates one value per the compose specification: `$$`, `$NAME`, `${NAME}`,
 * `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`, `${NAME:+other}`,
 * `${NAME+other}`; defaults may nest. `:` forms treat an empty value as unset.
 */
export function interpolate(value: string, env: Readonly<Record<string, string>>): string {
  let out = "";
  let index = 0;
  while (index < value.length) {
    const character = value[index];
    if (character !== "$") {
      out += character;
      index += 1;
      continue;
    }
    const next = value[index + 1];
    if (next === "$") {
      out += "$";
      index += 2;
      continue;
    }
    if (next === "{") {
      // Find the matching brace (defaults may hold nested `${...}`).
      let depth = 1;
      let end = index + 2;
      for (; end < value.length && depth > 0; end += 1) {
        if (value[end] === "{") depth += 1;
        else if (value[end] === "}") depth -= 1;
      }
      if (depth !== 0) throw new Error(`unclosed \${ in ${value}`);
      out += substitute(value.slice(index + 2, end - 1), env);
      index = end;
      continue;
    }
    const bare = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(index + 1));
    if (!bare) throw new Error(`invalid interpolation at "${value.slice(index)}"`);
    out += env[bare[0]] ?? "";
    index += 1 + bare[0].length;
  }
  return out;
}

function substitute(expression: string, env: Readonly<Record<string, string>>): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])(.*))?$/s.exec(expression);
  if (!match) throw new Error(`invalid interpolation \${${expression}}`);
  const [, name, colon, operator, argument = ""] = match;
  const current = env[name];
  const set = colon ? current !== undefined && current !== "" : current !== undefined;
  switch (operator) {
    case undefined:
      return current ?? "";
    case "-":
      return set ? (current as string) : interpolate(argument, env);
    case "+":
      return set ? interpolate(argument, env) : "";
    default:
      if (!set)
        throw new RequiredVariableError(`required variable ${name} is missing: ${argument}`);
      return current as string;
  }
}

function interpolateTree(node: unknown, env: Readonly<Record<string, string>>): unknown {
  if (typeof node === "string") return interpolate(node, env);
  if (Array.isArray(node)) return node.map((item) => interpolateTree(item, env));
  if (node && typeof node === "object") {
    return Object.fromEntries(
      Object.entries(node).map(([key, item]) => [key, interpolateTree(item, env)]),
    );
  }
  return node;
}

/** One service as the tests read it. */
export interface ComposeService {
  image?: string;
  profiles?: string[];
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: (string | { host_ip?: string; published?: string | number; target: number })[];
  volumes?: (string | { source?: string; target: string })[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
}

/** The resolved compose model. */
export interface ComposeModel {
  services: Record<string, ComposeService>;
  [key: string]: unknown;
}

/** docker-compose.yml (or `text`), parsed with merge keys and interpolated with `env`. */
export function loadCompose(
  env: Readonly<Record<string, string>>,
  text = fs.readFileSync(composePath, "utf8"),
): ComposeModel {
  const document = parse(text, { merge: true, maxAliasCount: -1 }) as unknown;
  return interpolateTree(document, env) as ComposeModel;
}

/** `.env.example`'s values. */
export function envExample(): Record<string, string> {
  return envFileValues(fs.readFileSync(envExamplePath, "utf8"));
}

/** A service's environment as the container gets it (every value a string). */
export function serviceEnvironment(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([name, value]) => [name, String(value ?? "")]),
  );
}

/** Short-syntax `[host_ip:][published:]target[/protocol]` or long syntax, as host IP and ports. */
export function publishedPorts(
  service: ComposeService,
): { hostIp: string | undefined; published: string; target: string }[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === "object") {
      return {
        hostIp: port.host_ip,
        published: String(port.published ?? ""),
        target: String(port.target),
      };
    }
    const parts = String(port)
      .replace(/\/(tcp|udp)$/, "")
      .split(":");
    const target = parts.pop() as string;
    const published = parts.pop() ?? "";
    const hostIp = parts.length > 0 ? parts.join(":").replace(/^\[|\]$/g, "") : undefined;
    return { hostIp, published, target };
  });
}

/** A copy of .env.example filled by `rampart secrets` and the values an operator types. */
export function completedEnv(): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-env-"));
  const file = path.join(dir, ".env");
  try {
    fs.copyFileSync(envExamplePath, file);
    writeSecrets(file);
    const clerk = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const clerkPem = clerk.publicKey.export({ type: "spki", format: "pem" }).toString();
    return {
      ...envFileValues(fs.readFileSync(file, "utf8")),
      CLERK_JWT_KEY: clerkPem.trim().replace(/\n/g, "\\n"),
      CLERK_ISSUER: "https://clerk.shop.example",
      CLERK_AUTHORIZED_PARTIES: "https://admin.shop.example,https://shop.example",
      CLERK_SUPERADMIN_ORG_ID: "org_platform",
      STOREFRONT_ORIGINS: "https://shop.example",
      ADMIN_ORIGINS: "https://admin.shop.example",
      ADMIN_IP_ALLOWLIST: "172.30.40.1/32",
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
