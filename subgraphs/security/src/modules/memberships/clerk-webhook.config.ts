import { z } from "zod";

/** Clerk's webhook settings; spread into the security subgraph's configuration shape. */
export const clerkWebhookConfigShape = {
  /**
   * The signing secret of Clerk's webhook endpoint (Svix, `whsec_<base64>`). Unset: no
   * `POST /webhooks/clerk` route, and ended memberships are not acted on.
   */
  CLERK_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]{24,}$/, "must be whsec_ followed by base64")
    .optional()
    .describe(
      "Set CLERK_WEBHOOK_SECRET to the signing secret of the Clerk webhook endpoint that points at the security subgraph's /webhooks/clerk (Clerk dashboard, Webhooks: whsec_ then base64)",
    ),
};

/** The parsed {@link clerkWebhookConfigShape}. */
export type ClerkWebhookConfig = Readonly<z.infer<z.ZodObject<typeof clerkWebhookConfigShape>>>;
