import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from "react";
import {
  ApiError,
  claimsOf,
  devSignIn,
  request,
  type DevSignInRequest,
  type Document,
  type TokenClaims,
} from "./api/client";
import { LiveConnection, type LiveStatus } from "./api/live";
import { MeQuery } from "./api/operations";
import type { MeQuery as MeResult } from "./gql/graphql";

/** Who is signed in, as the dashboard keeps it (sessionStorage: gone with the tab). */
export interface SignedIn {
  token: string;
  claims: TokenClaims;
  /** How the token was obtained, so it can be refreshed for the same session. */
  devSignIn: Omit<DevSignInRequest, "sessionId"> | null;
}

const storageKey = "rampart.admin.session";

function restore(): SignedIn | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(storageKey) ?? "null") as SignedIn | null;
    if (!stored || claimsOf(stored.token).exp * 1000 <= Date.now()) return null;
    return stored;
  } catch {
    return null;
  }
}

/** What every panel uses: the caller, typed requests, the live socket and step-up. */
export interface AdminSession {
  signedIn: SignedIn;
  me: MeResult["me"] | null;
  refreshMe: () => Promise<void>;
  /** Sends an operation with the current token. */
  call: <TResult, TVariables>(
    document: Document<TResult, TVariables>,
    variables: TVariables,
  ) => Promise<TResult>;
  /** Asks for a second-factor code; true once the session is verified (level 3). */
  stepUp: () => Promise<boolean>;
  /** Runs `action`; on STEP_UP_REQUIRED asks for a code, then runs it once more. */
  withStepUp: <T>(action: () => Promise<T>) => Promise<T>;
  live: LiveConnection | null;
  liveStatus: LiveStatus;
  signOut: () => void;
}

const SessionContext = createContext<AdminSession | null>(null);

/** The signed-in session; only inside {@link SessionProvider}. */
export function useSession(): AdminSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

/** Keeps the token (refreshing development tokens before expiry), `me` and the live socket. */
export function useSignIn(): {
  signedIn: SignedIn | null;
  signIn: (token: string, from: SignedIn["devSignIn"]) => void;
  signOut: () => void;
} {
  const [signedIn, setSignedIn] = useState<SignedIn | null>(restore);
  const signIn = useCallback((token: string, from: SignedIn["devSignIn"]) => {
    const next = { token, claims: claimsOf(token), devSignIn: from };
    sessionStorage.setItem(storageKey, JSON.stringify(next));
    setSignedIn(next);
  }, []);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(storageKey);
    setSignedIn(null);
  }, []);
  return { signedIn, signIn, signOut };
}

/** Provides {@link useSession} and renders the step-up prompt when an action needs it. */
export function SessionProvider({
  signedIn,
  onToken,
  signOut,
  children,
  renderStepUp,
}: {
  signedIn: SignedIn;
  onToken: (token: string) => void;
  signOut: () => void;
  children: ReactNode;
  renderStepUp: (done: (verified: boolean) => void) => ReactNode;
}): ReactNode {
  const tokenRef = useRef(signedIn.token);
  tokenRef.current = signedIn.token;
  const [me, setMe] = useState<MeResult["me"] | null>(null);
  const [liveStatus, setLiveStatus] = useState<LiveStatus>({ state: "connecting" });
  const [live, setLive] = useState<LiveConnection | null>(null);
  const [pendingStepUp, setStepUp] = useState<((verified: boolean) => void) | null>(null);

  const call = useCallback(
    <TResult, TVariables>(document: Document<TResult, TVariables>, variables: TVariables) =>
      request(document, variables, tokenRef.current),
    [],
  );
  const refreshMe = useCallback(async () => {
    try {
      setMe((await call(MeQuery, {})).me);
    } catch (error) {
      if (error instanceof ApiError && error.code === "UNAUTHENTICATED") signOut();
    }
  }, [call, signOut]);
  useEffect(() => {
    void refreshMe();
  }, [refreshMe, signedIn.claims.sid]);

  // The live socket exists once a second factor is verified: the gateway admits no socket before.
  const secondFactor = (me?.securityLevel ?? 0) >= 2;
  const sessionId = signedIn.claims.sid;
  useEffect(() => {
    if (!secondFactor) return;
    const url = new URL("/graphql", location.href).toString().replace(/^http/, "ws");
    const connection = new LiveConnection({
      url,
      authorization: () => `Bearer ${tokenRef.current}`,
      onStatus: setLiveStatus,
    });
    setLive(connection);
    return () => {
      connection.close();
      setLive(null);
    };
  }, [secondFactor, sessionId]);

  // Every new token of this session (a development refresh, or Clerk's about every minute) goes
  // to the open socket at once: the gateway closes it at the old token's expiry otherwise.
  const liveRef = useRef(live);
  liveRef.current = live;
  useEffect(() => {
    liveRef.current?.reauthenticate(`Bearer ${signedIn.token}`);
  }, [signedIn.token]);

  // Development tokens are refreshed for the same session before they expire, like Clerk's.
  useEffect(() => {
    const from = signedIn.devSignIn;
    if (!from) return;
    const refreshInMs = Math.max(5_000, signedIn.claims.exp * 1000 - Date.now() - 120_000);
    const timer = setTimeout(async () => {
      try {
        const { token } = await devSignIn({ ...from, sessionId: signedIn.claims.sid });
        onToken(token);
      } catch {
        // The next request shows the problem; the socket closes at expiry and says so.
      }
    }, refreshInMs);
    return () => clearTimeout(timer);
  }, [signedIn, onToken]);

  const stepUp = useCallback(async (): Promise<boolean> => {
    const verified = await new Promise<boolean>((resolve) => setStepUp(() => resolve));
    setStepUp(null);
    if (verified) await refreshMe();
    return verified;
  }, [refreshMe]);
  const withStepUp = useCallback(
    async <T,>(action: () => Promise<T>): Promise<T> => {
      try {
        return await action();
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== "STEP_UP_REQUIRED") throw error;
        if (!(await stepUp())) throw error;
        return action();
      }
    },
    [stepUp],
  );

  const value = useMemo<AdminSession>(
    () => ({ signedIn, me, refreshMe, call, stepUp, withStepUp, live, liveStatus, signOut }),
    [signedIn, me, refreshMe, call, stepUp, withStepUp, live, liveStatus, signOut],
  );
  return (
    <SessionContext.Provider value={value}>
      {children}
      {pendingStepUp && renderStepUp(pendingStepUp)}
    </SessionContext.Provider>
  );
}
