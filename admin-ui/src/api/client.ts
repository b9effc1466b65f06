import type { DocumentTypeDecoration } from "@graphql-typed-document-node/core";

/** A typed document from codegen (`src/gql`): the operation's text plus its types. */
export type Document<TResult, TVariables> = DocumentTypeDecoration<TResult, TVariables> & {
  toString(): string;
};

/** A refusal or failure, with the API's `extensions.code` (the public contract). */
export class ApiError extends Error {
  constructor(
    message: string,
    /** `extensions.code`, such as `STEP_UP_REQUIRED`; `NETWORK_ERROR` when nothing answered. */
    readonly code: string,
    /** HTTP status, 0 when nothing answered. */
    readonly status: number,
    /** `extensions.reason` or the offending field, when the API gives one. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** Nothing answered (network down, gateway stopped). */
  static network(cause: unknown): ApiError {
    return new ApiError(
      `The admin gateway did not answer (${(cause as Error).message ?? "network error"}).`,
      "NETWORK_ERROR",
      0,
    );
  }
}

interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; reason?: string; retryAfterSeconds?: number };
}

/** Sends one operation over HTTP POST to the gateway this page came from. */
export async function request<TResult, TVariables>(
  document: Document<TResult, TVariables>,
  variables: TVariables,
  token: string | null,
): Promise<TResult> {
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
  } catch (error) {
    throw ApiError.network(error);
  }
  let body: { data?: TResult | null; errors?: GraphQLErrorShape[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new ApiError(
      `The gateway answered ${response.status} without JSON.`,
      "INTERNAL",
      response.status,
    );
  }
  const first = body.errors?.[0];
  if (first) {
    throw new ApiError(
      first.message,
      first.extensions?.code ?? "INTERNAL_SERVER_ERROR",
      response.status,
      first.extensions?.reason,
    );
  }
  if (!body.data)
    throw new ApiError("The gateway answered without data.", "INTERNAL", response.status);
  return body.data;
}

/** What a development sign-in returns. */
export interface SignedToken {
  token: string;
  expiresAt: string;
}

/** The claims the dashboard reads from its own token (never verified here: the gateway does). */
export interface TokenClaims {
  sub: string;
  sid: string;
  exp: number;
  o?: { id: string; rol: string };
}

/** Reads a JWT's payload. */
export function claimsOf(token: string): TokenClaims {
  const payload = token.split(".")[1] ?? "";
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(json) as TokenClaims;
}

/** How this gateway signs admins in (`GET /auth/config`). */
export interface SignInConfig {
  /** Whether `POST /auth/dev-token` signs development tokens here. */
  devSignIn: boolean;
  /** Clerk's publishable key when admins sign in with Clerk, else null. */
  clerkPublishableKey: string | null;
}

/** Asks the gateway how to sign in; neither way when it does not say (a token can be pasted). */
export async function signInConfig(): Promise<SignInConfig> {
  try {
    const response = await fetch("/auth/config");
    if (!response.ok) return { devSignIn: false, clerkPublishableKey: null };
    const body = (await response.json()) as Partial<SignInConfig>;
    return {
      devSignIn: body.devSignIn === true,
      clerkPublishableKey:
        typeof body.clerkPublishableKey === "string" ? body.clerkPublishableKey : null,
    };
  } catch {
    return { devSignIn: false, clerkPublishableKey: null };
  }
}

/** Who to sign in as with the development issuer. */
export interface DevSignInRequest {
  userId: string;
  organizationId?: string;
  role?: string;
  /** Refresh: a token for this existing session. */
  sessionId?: string;
  /** Token lifetime, 60 to 3600 s (default 3600); refreshed 2 minutes before it ends. */
  ttlSeconds?: number;
}

/** Signs in with the local development issuer (`POST /auth/dev-token`). */
export async function devSignIn(input: DevSignInRequest): Promise<SignedToken> {
  let response: Response;
  try {
    response = await fetch("/auth/dev-token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(input),
    });
  } catch (error) {
    throw ApiError.network(error);
  }
  const body = (await response.json().catch(() => ({}))) as SignedToken & {
    errors?: (GraphQLErrorShape & {
      extensions?: { fields?: { field: string; message: string }[] };
    })[];
  };
  const first = body.errors?.[0];
  if (!response.ok || first) {
    const field = first?.extensions?.fields?.[0];
    throw new ApiError(
      field
        ? `${field.field} ${field.message}`
        : (first?.message ?? `Sign-in failed (${response.status}).`),
      first?.extensions?.code ?? "INTERNAL",
      response.status,
      first?.extensions?.reason ?? field?.field,
    );
  }
  return body;
}
