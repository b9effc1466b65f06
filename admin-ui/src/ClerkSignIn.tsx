import { Clerk } from "@clerk/clerk-js";
import {
  ClerkFailed,
  ClerkLoading,
  ClerkProvider,
  SignIn,
  SignedIn,
  SignedOut,
  useAuth,
  useClerk,
} from "@clerk/clerk-react";
import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { claimsOf } from "./api/client";
import type { SignedIn as SignedInSession } from "./session";

/**
 * How often the page asks Clerk for its session token. clerk-js keeps the token (about a
 * minute's life) refreshed in the background and answers from its cache, so this costs no
 * request; it only makes each refresh reach the dashboard, and so the socket, well before the
 * previous token expires.
 */
const tokenPollMs = 5_000;

/** What the dashboard renders for a signed-in admin. */
export type RenderSignedIn = (signedIn: SignedInSession, signOut: () => void) => ReactNode;

/** Follows Clerk's session token: each new token becomes the dashboard's (HTTP and socket). */
function ClerkSession({ render }: { render: RenderSignedIn }): ReactNode {
  const { getToken, sessionId } = useAuth();
  const clerk = useClerk();
  const [token, setToken] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    const follow = async () => {
      try {
        const next = await getToken();
        if (!stopped && next) setToken((current) => (current === next ? current : next));
      } catch {
        // Clerk unreachable for a moment: the current token stays until its expiry.
      }
    };
    void follow();
    const timer = setInterval(follow, tokenPollMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [getToken, sessionId]);
  const signOut = useCallback(() => void clerk.signOut(), [clerk]);
  const signedIn = useMemo<SignedInSession | null>(
    () => (token ? { token, claims: claimsOf(token), devSignIn: null } : null),
    [token],
  );
  if (!signedIn) return <p role="status">Signing in…</p>;
  return render(signedIn, signOut);
}

/**
 * Sign-in with Clerk (`CLERK_PUBLISHABLE_KEY`): Clerk's own sign-in component, then the dashboard
 * with Clerk's session token as the bearer. clerk-js comes from this bundle (this module is
 * loaded only when the gateway names a publishable key), never from a CDN, so the CSP's
 * `script-src` stays this origin plus what Clerk's guide lists.
 */
export default function ClerkSignIn({
  publishableKey,
  render,
}: {
  publishableKey: string;
  render: RenderSignedIn;
}): ReactNode {
  const clerk = useMemo(() => new Clerk(publishableKey), [publishableKey]);
  return (
    <ClerkProvider publishableKey={publishableKey} Clerk={clerk} afterSignOutUrl="/">
      <SignedOut>
        <main className="sign-in" data-sign-in="clerk">
          <h1>Rampart admin</h1>
          <section className="card" aria-labelledby="clerk-sign-in-title">
            <h2 id="clerk-sign-in-title">Sign in with Clerk</h2>
            <ClerkLoading>
              <p role="status">Connecting to Clerk…</p>
            </ClerkLoading>
            <ClerkFailed>
              <p role="alert">
                Clerk could not be reached. Check the network, then reload the page.
              </p>
            </ClerkFailed>
            <SignIn routing="hash" />
          </section>
        </main>
      </SignedOut>
      <SignedIn>
        <ClerkSession render={render} />
      </SignedIn>
    </ClerkProvider>
  );
}
