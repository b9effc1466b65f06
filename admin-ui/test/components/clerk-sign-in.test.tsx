import { act, render, screen } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import ClerkSignIn from "../../src/ClerkSignIn";
import { tokenFor } from "./gateway-stand-in";

/**
 * Clerk is an external service: its SDK is replaced here by a stand-in with the same surface
 * (the provider, the signed-in gate, `useAuth().getToken`), so that what the dashboard does with
 * Clerk's tokens can be tested without Clerk's servers.
 */
const clerkStandIn = vi.hoisted(() => ({
  providerProps: [] as Record<string, unknown>[],
  tokens: [] as (string | null)[],
  signOut: vi.fn(),
}));

vi.mock("@clerk/clerk-js", () => ({
  Clerk: class {
    constructor(readonly publishableKey: string) {}
  },
}));

vi.mock("@clerk/clerk-react", () => ({
  ClerkProvider: ({ children, ...props }: { children: ReactNode }) => {
    clerkStandIn.providerProps.push(props);
    return children;
  },
  SignedIn: ({ children }: { children: ReactNode }) => children,
  SignedOut: () => null,
  ClerkLoading: () => null,
  ClerkFailed: () => null,
  SignIn: () => null,
  useAuth: () => ({
    sessionId: "sess_clerk",
    // clerk-js answers from its cache; the cache moves on when it refreshes in the background.
    getToken: async () => clerkStandIn.tokens[0] ?? null,
  }),
  useClerk: () => ({ signOut: clerkStandIn.signOut }),
}));

const publishableKey = `pk_test_${btoa("clerk.admin.example$")}`;

describe("sign-in with Clerk", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    clerkStandIn.providerProps.length = 0;
    clerkStandIn.tokens = [];
  });
  afterEach(() => vi.useRealTimers());

  it("hands Clerk's provider the bundled clerk-js instance for the gateway's publishable key", () => {
    render(<ClerkSignIn publishableKey={publishableKey} render={() => null} />);
    const props = clerkStandIn.providerProps[0];
    expect(props.publishableKey).toBe(publishableKey);
    expect(props.Clerk).toMatchObject({ publishableKey });
  });

  it("uses Clerk's session token, and follows each refresh within 5 s", async () => {
    const first = tokenFor({ sub: "user_clerk_alice", sid: "sess_clerk" });
    const refreshed = tokenFor({ sub: "user_clerk_alice", sid: "sess_clerk", exp: 2e9 });
    clerkStandIn.tokens = [first];
    const seen: string[] = [];
    render(
      <ClerkSignIn
        publishableKey={publishableKey}
        render={(signedIn, signOut) => {
          seen.push(signedIn.token);
          return (
            <button type="button" onClick={signOut}>
              {signedIn.claims.sub}
            </button>
          );
        }}
      />,
    );
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(screen.getByRole("button", { name: "user_clerk_alice" })).toBeInTheDocument();
    expect(seen.at(-1)).toBe(first);
    const rendersBefore = seen.length;

    // Nothing new from Clerk: the dashboard keeps the same token and does not re-render.
    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(seen.length).toBe(rendersBefore);

    clerkStandIn.tokens = [refreshed];
    await act(() => vi.advanceTimersByTimeAsync(5_000));
    expect(seen.at(-1)).toBe(refreshed);

    screen.getByRole("button", { name: "user_clerk_alice" }).click();
    expect(clerkStandIn.signOut).toHaveBeenCalledTimes(1);
  });

  it("waits for a token before showing the dashboard", async () => {
    render(<ClerkSignIn publishableKey={publishableKey} render={() => <p>dashboard</p>} />);
    await act(() => vi.advanceTimersByTimeAsync(5_000));
    expect(screen.queryByText("dashboard")).toBeNull();
    expect(screen.getByRole("status")).toHaveTextContent("Signing in…");
  });
});
