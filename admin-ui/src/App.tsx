import { lazy, Suspense, useCallback, useEffect, useState, type ReactNode } from "react";
import { signInConfig, type SignInConfig } from "./api/client";
import { Alerts } from "./panels/Alerts";
import { Allowlist } from "./panels/Allowlist";
import { EventFeed } from "./panels/EventFeed";
import { Lockdown } from "./panels/Lockdown";
import { Sessions } from "./panels/Sessions";
import { SignIn } from "./panels/SignIn";
import { StepUpDialog } from "./panels/StepUp";
import { System } from "./panels/System";
import { TwoFactor } from "./panels/TwoFactor";
import { SessionProvider, useSession, useSignIn, type SignedIn } from "./session";

const tabs = [
  { id: "events", label: "Events", panel: EventFeed },
  { id: "alerts", label: "Alerts", panel: Alerts },
  { id: "lockdown", label: "Lockdown", panel: Lockdown },
  { id: "allowlist", label: "IP allowlist", panel: Allowlist },
  { id: "sessions", label: "Sessions", panel: Sessions },
  { id: "two-factor", label: "Two-factor", panel: TwoFactor },
  { id: "system", label: "Metrics & health", panel: System },
] as const;
type TabId = (typeof tabs)[number]["id"];

const tabFromHash = (): TabId | null => {
  const id = location.hash.slice(1);
  return tabs.some((tab) => tab.id === id) ? (id as TabId) : null;
};

/** The socket's state in words: online, connecting, or offline with why and when it retries. */
function LiveIndicator(): ReactNode {
  const { liveStatus, live, me } = useSession();
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  if ((me?.securityLevel ?? 0) < 2) {
    return (
      <span className="live off" role="status">
        Live: verify your second factor
      </span>
    );
  }
  if (liveStatus.state === "online")
    return (
      <span className="live on" role="status" data-live="online">
        ● Live
      </span>
    );
  if (liveStatus.state === "connecting")
    return (
      <span className="live connecting" role="status" data-live="connecting">
        Connecting…
      </span>
    );
  const seconds = Math.max(0, Math.ceil((liveStatus.retryAt - Date.now()) / 1000));
  return (
    <span className="live off" role="status" data-live="offline">
      Offline ({liveStatus.code} {liveStatus.reason}), retrying in {seconds} s{" "}
      <button type="button" className="link" onClick={() => live?.retryNow()}>
        retry now
      </button>
    </span>
  );
}

function Dashboard(): ReactNode {
  const { me, signedIn, signOut } = useSession();
  const [tab, setTab] = useState<TabId>(() => tabFromHash() ?? "events");
  useEffect(() => {
    const onHash = () => setTab(tabFromHash() ?? "events");
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  // Before a second factor the admin API answers nothing: start where that is fixed.
  useEffect(() => {
    if (me && (me.securityLevel ?? 0) < 2 && !tabFromHash()) setTab("two-factor");
  }, [me]);
  const Panel = tabs.find((t) => t.id === tab)?.panel ?? EventFeed;
  return (
    <div className="app">
      <header className="top">
        <h1>Rampart admin</h1>
        <div className="who">
          <span data-user={signedIn.claims.sub}>
            {me?.email ?? signedIn.claims.sub}
            {signedIn.claims.o && (
              <>
                {" "}
                · {signedIn.claims.o.id} ({signedIn.claims.o.rol})
              </>
            )}
          </span>
          <span className="badge" data-level={me?.securityLevel ?? 0}>
            level {me?.securityLevel ?? "…"}
          </span>
          <LiveIndicator />
          <button type="button" className="secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <nav aria-label="Panels">
        <ul className="tabs">
          {tabs.map((t) => (
            <li key={t.id}>
              <a
                href={`#${t.id}`}
                aria-current={t.id === tab ? "page" : undefined}
                onClick={() => setTab(t.id)}
              >
                {t.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main">
        <Panel />
      </main>
    </div>
  );
}

/** Clerk's sign-in, with clerk-js, in a chunk of its own: loaded only when Clerk is configured. */
const ClerkSignIn = lazy(() => import("./ClerkSignIn"));

/** The panels for a signed-in admin, with the step-up prompt. */
function SignedInDashboard({
  signedIn,
  onToken,
  signOut,
}: {
  signedIn: SignedIn;
  onToken: (token: string) => void;
  signOut: () => void;
}): ReactNode {
  return (
    <SessionProvider
      key={signedIn.claims.sid}
      signedIn={signedIn}
      onToken={onToken}
      signOut={signOut}
      renderStepUp={(done) => <StepUpDialog done={done} />}
    >
      <Dashboard />
    </SessionProvider>
  );
}

/** Development sign-in (or a pasted token) until there is a token, then the panels. */
function TokenApp({ config }: { config: SignInConfig }): ReactNode {
  const { signedIn, signIn, signOut } = useSignIn();
  const onToken = useCallback(
    (token: string) => signIn(token, (signedIn as SignedIn | null)?.devSignIn ?? null),
    [signIn, signedIn],
  );
  if (!signedIn) return <SignIn offered={config.devSignIn} onSignedIn={signIn} />;
  return <SignedInDashboard signedIn={signedIn} onToken={onToken} signOut={signOut} />;
}

/** Clerk refreshes its own token: the dashboard follows it and has nothing to store. */
const ignoreToken = () => undefined;

/**
 * The dashboard: asks the gateway how to sign in (`/auth/config`), then Clerk's sign-in when
 * it names a publishable key, else development sign-in where offered, then the panels.
 */
export function App(): ReactNode {
  const [config, setConfig] = useState<SignInConfig | null>(null);
  useEffect(() => {
    void signInConfig().then(setConfig);
  }, []);
  if (!config) {
    return (
      <main className="sign-in">
        <h1>Rampart admin</h1>
        <p role="status">Checking how to sign in…</p>
      </main>
    );
  }
  if (config.clerkPublishableKey) {
    return (
      <Suspense fallback={<p role="status">Loading Clerk sign-in…</p>}>
        <ClerkSignIn
          publishableKey={config.clerkPublishableKey}
          render={(signedIn, signOut) => (
            <SignedInDashboard signedIn={signedIn} onToken={ignoreToken} signOut={signOut} />
          )}
        />
      </Suspense>
    );
  }
  return <TokenApp config={config} />;
}
