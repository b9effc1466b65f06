import { SecurityLevel, type Identity } from "@rampart/kit";
import {
  allow,
  applyPermissions,
  not,
  createRules,
  fieldsWithoutRules,
} from "@rampart/kit/subgraph";
import { graphql } from "graphql";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { securityPermissions, securityRuleTree } from "../../src/permissions";
import { buildSecuritySchema } from "../../src/schema";
import { securitySubgraph } from "../../src/subgraph";

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(securitySubgraph);
});
afterAll(() => subgraph?.stop());

/** The default CLERK_SUPERADMIN_ORG_ID, which the harness's configuration keeps. */
const SUPERADMIN_ORG = "org_rampart_admin";
const member = (overrides: Partial<Identity> = {}) =>
  testIdentity({ userId: "user_perm_member", role: "org:member", ...overrides });
const superAdmin = (securityLevel: SecurityLevel) =>
  testIdentity({
    userId: "user_perm_root",
    organizationId: SUPERADMIN_ORG,
    role: "org:admin",
    securityLevel,
  });

const operations = {
  mySessions: "{ mySessions { id } }",
  beginTwoFactorEnrollment: "mutation { beginTwoFactorEnrollment { secret } }",
  confirmTwoFactorEnrollment: `mutation { confirmTwoFactorEnrollment(code: "123456") { backupCodes } }`,
  verifyTwoFactor: `mutation { verifyTwoFactor(code: "123456") { id } }`,
  verifyBackupCode: `mutation { verifyBackupCode(code: "aaaa-bbbb-cccc") { id } }`,
  regenerateBackupCodes: `mutation { regenerateBackupCodes(code: "123456") { backupCodes } }`,
  disableTwoFactor: `mutation { disableTwoFactor(code: "123456") }`,
  revokeSession: `mutation { revokeSession(id: "sess_nobody") }`,
  revokeUserSessions: `mutation { revokeUserSessions(userId: "user_perm_nobody") }`,
  revokeAllSessions: "mutation { revokeAllSessions }",
  userEntity: `{ _entities(representations: [{ __typename: "User", id: "user_demo_bob" }]) { ... on User { id } } }`,
};

const codesOf = (body: { errors?: { extensions?: { code?: unknown } }[] }) =>
  [...new Set((body.errors ?? []).map((error) => error.extensions?.code))].sort();

describe("security permissions", () => {
  it("declare a rule for every field of every type", async () => {
    const { schema } = await buildSecuritySchema();
    expect(fieldsWithoutRules(schema, securityRuleTree(createRules()))).toEqual([]);
  });

  it("answer me for anyone: null when anonymous", async () => {
    expect((await subgraph.query("{ me { id } }")).body).toEqual({ data: { me: null } });
    const { body } = await subgraph.query("{ me { id twoFactorEnabled securityLevel } }", {
      identity: member(),
    });
    expect(body).toEqual({
      data: { me: { id: "user_perm_member", twoFactorEnabled: false, securityLevel: 1 } },
    });
  });

  it("refuse every other root field and the User entity to anonymous callers", async () => {
    for (const [name, operation] of Object.entries(operations)) {
      const { body } = await subgraph.query(operation);
      expect({ name, codes: codesOf(body) }).toEqual({ name, codes: ["UNAUTHENTICATED"] });
    }
  });

  it("ask for a recent second factor before backup codes are replaced or 2FA is turned off", async () => {
    for (const name of ["regenerateBackupCodes", "disableTwoFactor"] as const) {
      const secondFactor = await subgraph.query(operations[name], {
        identity: member({ securityLevel: SecurityLevel.SecondFactor }),
      });
      expect({ name, codes: codesOf(secondFactor.body) }).toEqual({
        name,
        codes: ["STEP_UP_REQUIRED"],
      });
      // Past the rule, the resolver has its say: this user has no 2FA to change.
      const steppedUp = await subgraph.query(operations[name], {
        identity: member({ securityLevel: SecurityLevel.StepUp }),
      });
      expect({ name, codes: codesOf(steppedUp.body) }).toEqual({
        name,
        codes: ["BAD_USER_INPUT"],
      });
    }
  });

  it("keep revoking other people's sessions to superadmins at step-up", async () => {
    for (const name of ["revokeUserSessions", "revokeAllSessions"] as const) {
      const refusals = {
        orgAdmin: await subgraph.query(operations[name], {
          identity: testIdentity({ role: "org:admin", securityLevel: SecurityLevel.StepUp }),
        }),
        superAdminMember: await subgraph.query(operations[name], {
          identity: member({ organizationId: SUPERADMIN_ORG, securityLevel: SecurityLevel.StepUp }),
        }),
        superAdminWithout2fa: await subgraph.query(operations[name], {
          identity: superAdmin(SecurityLevel.SignedIn),
        }),
        superAdminNotRecent: await subgraph.query(operations[name], {
          identity: superAdmin(SecurityLevel.SecondFactor),
        }),
      };
      expect(
        Object.fromEntries(Object.entries(refusals).map(([who, { body }]) => [who, codesOf(body)])),
      ).toEqual({
        orgAdmin: ["FORBIDDEN"],
        superAdminMember: ["FORBIDDEN"],
        superAdminWithout2fa: ["STEP_UP_REQUIRED"],
        superAdminNotRecent: ["STEP_UP_REQUIRED"],
      });
    }
    // Allowed: revoking the sessions of a user who has none changes nothing else.
    const { body } = await subgraph.query(operations.revokeUserSessions, {
      identity: superAdmin(SecurityLevel.StepUp),
    });
    expect(body).toEqual({ data: { revokeUserSessions: true } });
  });

  it("put the code-attempt limit on exactly the mutations that take a code", async () => {
    const { schema } = await buildSecuritySchema();
    const limited = applyPermissions(
      { schema, sdl: "" },
      // A limit that is always exhausted.
      securityPermissions({}, { codeAttemptLimit: not(allow) }),
    ).schema;
    const signedIn = testIdentity({ securityLevel: SecurityLevel.StepUp });
    const codesFor = async (operation: string) => {
      const result = await graphql({
        schema: limited,
        source: operation,
        contextValue: { identity: signedIn },
      });
      return codesOf({ errors: result.errors?.map((error) => error.toJSON()) });
    };
    for (const name of [
      "confirmTwoFactorEnrollment",
      "verifyTwoFactor",
      "verifyBackupCode",
      "disableTwoFactor",
    ] as const) {
      expect({ name, codes: await codesFor(operations[name]) }).toEqual({
        name,
        codes: ["FORBIDDEN"],
      });
    }
    // Past every rule: the resolvers fail only because this bare context has no services.
    for (const name of ["beginTwoFactorEnrollment", "regenerateBackupCodes"] as const) {
      expect({ name, codes: await codesFor(operations[name]) }).toEqual({
        name,
        codes: ["INTERNAL_SERVER_ERROR"],
      });
    }
    const anonymous = await graphql({
      schema: limited,
      source: operations.verifyTwoFactor,
      contextValue: { identity: undefined },
    });
    expect(anonymous.errors?.[0]?.extensions.code).toBe("UNAUTHENTICATED");
  });

  it("show whether 2FA is on to the user themselves and to superadmins only", async () => {
    const query = `{ _entities(representations: [{ __typename: "User", id: "user_demo_bob" }]) { ... on User { id displayName twoFactorEnabled } } }`;
    const bob = await subgraph.query(query, { identity: member({ userId: "user_demo_bob" }) });
    expect(bob.body).toEqual({
      data: {
        _entities: [{ id: "user_demo_bob", displayName: "Bob Buyer", twoFactorEnabled: false }],
      },
    });
    const root = await subgraph.query(query, { identity: superAdmin(SecurityLevel.SecondFactor) });
    expect(root.body.errors).toBeUndefined();
    const alice = await subgraph.query(query, { identity: testIdentity() });
    // Only the refused field is null; the rest of the user stays readable.
    expect(alice.body.data).toEqual({
      _entities: [{ id: "user_demo_bob", displayName: "Bob Buyer", twoFactorEnabled: null }],
    });
    expect(codesOf(alice.body)).toEqual(["FORBIDDEN"]);
  });
});
