import { generate } from "otplib";
import { postGraphQL } from "@rampart/kit/testing";
import type { TestPlatform } from "./platform";

/**
 * Signs in a superadmin as the README describes: a dev token for an admin of
 * `org_rampart_admin`, 2FA enrolled and verified on the admin gateway (level 3). `headers` go
 * with each request (`X-Forwarded-For`: the level is bound to the IP it was verified from).
 */
export async function signInSuperadmin(
  platform: TestPlatform,
  userId: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const token = platform.devToken(
    "--user",
    userId,
    "--org",
    "org_rampart_admin",
    "--role",
    "admin",
  );
  const as = async (query: string, variables?: Record<string, unknown>) => {
    const { body } = await postGraphQL(platform.adminUrl, query, {
      variables,
      headers: { ...headers, authorization: `Bearer ${token}` },
    });
    if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
    return body.data as Record<string, Record<string, unknown>>;
  };
  const { beginTwoFactorEnrollment } = await as("mutation { beginTwoFactorEnrollment { secret } }");
  const secret = beginTwoFactorEnrollment.secret as string;
  const code = (stepsAhead: number) =>
    generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * stepsAhead });
  await as("mutation($code: String!) { confirmTwoFactorEnrollment(code: $code) { backupCodes } }", {
    code: await code(0),
  });
  // The confirming code's step is spent; the app's next code is within the ±1 step tolerance.
  await as("mutation($code: String!) { verifyTwoFactor(code: $code) { securityLevel } }", {
    code: await code(1),
  });
  return token;
}
