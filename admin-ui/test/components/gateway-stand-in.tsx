import { render, type RenderResult } from "@testing-library/react";
import type { ReactNode } from "react";
import { vi } from "vitest";
import { StepUpDialog } from "../../src/panels/StepUp";
import { SessionProvider, type SignedIn } from "../../src/session";

/** What the stand-in answers one operation with: data, or a typed refusal. */
export type Answer =
  { data: unknown } | { status: number; code: string; message: string; reason?: string };

/** One operation the page sent. */
export interface SentOperation {
  operationName: string;
  variables: Record<string, unknown>;
  authorization: string | null;
}

/**
 * The admin gateway's `/graphql` as the page sees it over `fetch`, answering each operation (by
 * its name) from `answers`, in order when an operation has several. Components are tested in
 * jsdom here; the browser suite runs them against the real gateway.
 */
export function gatewayStandIn(answers: Record<string, Answer | Answer[]>): SentOperation[] {
  const sent: SentOperation[] = [];
  const queues = new Map(
    Object.entries(answers).map(([name, answer]) => [
      name,
      Array.isArray(answer) ? [...answer] : [answer],
    ]),
  );
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    if (url !== "/graphql") throw new TypeError(`unexpected request to ${url}`);
    const body = JSON.parse(String(init.body)) as { query: string; variables: object };
    const operationName = /\b(?:query|mutation)\s+(\w+)/.exec(body.query)?.[1] ?? "";
    const headers = new Headers(init.headers);
    sent.push({
      operationName,
      variables: body.variables as Record<string, unknown>,
      authorization: headers.get("authorization"),
    });
    const queue = queues.get(operationName);
    if (!queue?.length) throw new TypeError(`no answer for ${operationName}`);
    const answer = queue.length > 1 ? queue.shift()! : queue[0];
    if ("data" in answer) return Response.json({ data: answer.data });
    return Response.json(
      {
        errors: [
          { message: answer.message, extensions: { code: answer.code, reason: answer.reason } },
        ],
      },
      { status: answer.status },
    );
  });
  return sent;
}

/** A session token as the dashboard reads it (the gateway verifies it; the page never does). */
export function tokenFor(claims: { sub: string; sid: string; exp?: number }): string {
  const part = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, "");
  return [
    part({ alg: "RS256", typ: "JWT" }),
    part({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims }),
    "signature",
  ].join(".");
}

/** `me` at a security level, as the Me query answers it. */
export const meAt = (securityLevel: number, twoFactorEnabled = true): Answer => ({
  data: {
    me: {
      id: "user_demo_alice",
      email: "alice@acme.example",
      twoFactorEnabled,
      securityLevel,
    },
  },
});

/** Renders `ui` for a signed-in admin, inside the dashboard's real session and step-up prompt. */
export function renderSignedIn(ui: ReactNode): RenderResult {
  const token = tokenFor({ sub: "user_demo_alice", sid: "sess_component" });
  const signedIn: SignedIn = {
    token,
    claims: { sub: "user_demo_alice", sid: "sess_component", exp: Date.now() / 1000 + 3600 },
    devSignIn: null,
  };
  return render(
    <SessionProvider
      signedIn={signedIn}
      onToken={() => undefined}
      signOut={() => undefined}
      renderStepUp={(done) => <StepUpDialog done={done} />}
    >
      {ui}
    </SessionProvider>,
  );
}
