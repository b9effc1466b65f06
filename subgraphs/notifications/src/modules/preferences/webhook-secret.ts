import { randomBytes } from "node:crypto";
import type { SecretBox } from "@rampart/kit";

/** Random bytes in a webhook signing secret (Standard Webhooks: 24 to 64). */
const SECRET_BYTES = 32;

/** A fresh Standard Webhooks signing secret: `whsec_` and base64 of 32 random bytes. */
export const newWebhookSecret = (): string =>
  `whsec_${randomBytes(SECRET_BYTES).toString("base64")}`;

/** Binds a sealed secret to its preference: a sealed value copied to another row does not open. */
const sealContext = (preferenceId: string) =>
  `notifications.channel-preference\u0000${preferenceId}\u0000signingSecret`;

/** Seals a preference's webhook signing secret for storage. */
export const sealWebhookSecret = (
  secretBox: SecretBox,
  preferenceId: string,
  secret: string,
): string => secretBox.seal(secret, sealContext(preferenceId));

/** Opens a preference's sealed webhook signing secret; throws `SecretBoxError` if it cannot. */
export const openWebhookSecret = (
  secretBox: SecretBox,
  preferenceId: string,
  sealed: string,
): string => secretBox.open(sealed, sealContext(preferenceId));
