import { useCallback, useEffect, useState, type ReactNode } from "react";
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

/** The dashboard: sign-in until there is a token, then the panels. */
export function App(): ReactNode {
  const { signedIn, signIn, signOut } = useSignIn();
  const onToken = useCallback(
    (token: string) => signIn(token, (signedIn as SignedIn | null)?.devSignIn ?? null),
    [signIn, signedIn],
  );
  if (!signedIn) return <SignIn onSignedIn={signIn} />;
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
