import { generateKeyPairSync } from "node:crypto";
import { ConfigError } from "@rampart/kit";
import { frontendApiOf } from "../../src/auth/publishable-key";
import { loadConfig } from "../../src/config";
import { dashboardContentSecurityPolicy } from "../../src/web";

/** A publishable key as Clerk's dashboard shows it, for a Frontend API host. */
const publishableKeyOf = (host: string, kind: "test" | "live" = "test") =>
  `pk_${kind}_${Buffer.from(`${host}$`).toString("base64")}`;

const clerk = {
  CLERK_JWT_KEY: generateKeyPairSync("rsa", { modulusLength: 2048 })
    .publicKey.export({ type: "spki", format: "pem" })
    .toString(),
  CLERK_ISSUER: "https://clerk.admin.example",
  CLERK_AUTHORIZED_PARTIES: "https://admin.example",
};

const refused = (environment: Record<string, string>) => {
  try {
    loadConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.variable}: ${p.message}`);
  }
  throw new Error("configuration was accepted");
};

describe("Clerk's publishable key", () => {
  it("names the instance's Frontend API origin", () => {
    expect(frontendApiOf(publishableKeyOf("clerk.admin.example"))).toBe(
      "https://clerk.admin.example",
    );
    expect(frontendApiOf(publishableKeyOf("quiet-owl-12.clerk.accounts.dev"))).toBe(
      "https://quiet-owl-12.clerk.accounts.dev",
    );
    expect(frontendApiOf(publishableKeyOf("clerk.admin.example", "live"))).toBe(
      "https://clerk.admin.example",
    );
  });

  it.each([
    ["a secret key", `sk_test_${Buffer.from("clerk.admin.example$").toString("base64")}`],
    ["no trailing $", `pk_test_${Buffer.from("clerk.admin.example").toString("base64")}`],
    ["a wildcard host", publishableKeyOf("*.example")],
    ["a host with a path", publishableKeyOf("clerk.example/x")],
    ["a host with a space", publishableKeyOf("clerk.example 'unsafe-eval'")],
    ["a scheme", publishableKeyOf("https://clerk.example")],
    ["a CSP separator", publishableKeyOf("clerk.example;script-src")],
    ["an empty host", publishableKeyOf("")],
    ["not base64", "pk_test_%%%"],
  ])("refuses %s, so nothing odd reaches the CSP", (_what, key) => {
    expect(frontendApiOf(key)).toBeNull();
  });

  it("is refused at start when malformed, naming the variable", () => {
    expect(refused({ ...clerk, CLERK_PUBLISHABLE_KEY: publishableKeyOf("*.example") })).toEqual([
      expect.stringMatching(/^CLERK_PUBLISHABLE_KEY: must be a Clerk publishable key/),
    ]);
  });

  it("needs Clerk keys for the gateway: its tokens would be refused without them", () => {
    expect(refused({ CLERK_PUBLISHABLE_KEY: publishableKeyOf("clerk.admin.example") })).toEqual([
      expect.stringMatching(/^CLERK_PUBLISHABLE_KEY: needs CLERK_JWT_KEY or CLERK_SECRET_KEY/),
    ]);
  });

  it("must name the same instance as CLERK_ISSUER", () => {
    expect(
      refused({ ...clerk, CLERK_PUBLISHABLE_KEY: publishableKeyOf("clerk.other.example") }),
    ).toEqual([
      expect.stringMatching(
        /^CLERK_PUBLISHABLE_KEY: names the Frontend API https:\/\/clerk\.other\.example, but CLERK_ISSUER/,
      ),
    ]);
  });

  it("is kept with its Frontend API origin when it fits", () => {
    const key = publishableKeyOf("clerk.admin.example");
    const config = loadConfig({ ...clerk, GATEWAY_PROFILE: "admin", CLERK_PUBLISHABLE_KEY: key });
    expect(config.clerkPublishableKey).toBe(key);
    expect(config.clerkFrontendApi).toBe("https://clerk.admin.example");
    expect(loadConfig({ GATEWAY_PROFILE: "admin" }).clerkFrontendApi).toBeUndefined();
  });
});

describe("the dashboard's CSP", () => {
  it("stays strict without Clerk: this origin only", () => {
    expect(dashboardContentSecurityPolicy()).toEqual({
      "default-src": ["'self'"],
      "script-src": ["'self'"],
      "style-src": ["'self'"],
      "img-src": ["'self'", "data:"],
      "connect-src": ["'self'"],
      "frame-ancestors": ["'none'"],
      "base-uri": ["'none'"],
      "form-action": ["'none'"],
    });
  });

  it("allows exactly what Clerk's CSP guide lists with Clerk, and still no inline script or eval", () => {
    expect(dashboardContentSecurityPolicy("https://clerk.admin.example")).toEqual({
      "default-src": ["'self'"],
      "script-src": ["'self'", "https://clerk.admin.example", "https://challenges.cloudflare.com"],
      "style-src": ["'self'", "'unsafe-inline'"],
      "img-src": ["'self'", "data:", "https://img.clerk.com"],
      "connect-src": ["'self'", "https://clerk.admin.example"],
      "worker-src": ["'self'", "blob:"],
      "frame-src": ["https://challenges.cloudflare.com"],
      "frame-ancestors": ["'none'"],
      "base-uri": ["'none'"],
      "form-action": ["'none'"],
    });
  });
});
