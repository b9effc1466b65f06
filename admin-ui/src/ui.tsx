import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { ApiError } from "./api/client";
import { useSession } from "./session";

/** A load's state: every panel shows loading, error and empty states from it. */
export type Loaded<T> =
  { state: "loading" } | { state: "error"; error: ApiError } | { state: "ready"; data: T };

const asApiError = (error: unknown): ApiError =>
  error instanceof ApiError
    ? error
    : new ApiError(String((error as Error)?.message ?? error), "INTERNAL", 0);

/** Runs `load` now and whenever `reload()` is called or `deps` change. */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
): [Loaded<T>, () => void, (data: T) => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: "loading" });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    let current = true;
    setLoaded((previous) => (previous.state === "ready" ? previous : { state: "loading" }));
    latest
      .current()
      .then((data) => current && setLoaded({ state: "ready", data }))
      .catch(
        (error: unknown) => current && setLoaded({ state: "error", error: asApiError(error) }),
      );
    return () => {
      current = false;
    };
  }, [generation, ...deps]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const set = useCallback((data: T) => setLoaded({ state: "ready", data }), []);
  return [loaded, reload, set];
}

/** An action's state: pending, and its last error. */
export function useAction(): {
  pending: boolean;
  error: ApiError | null;
  run: (action: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
} {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setPending(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (caught) {
      setError(asApiError(caught));
      return false;
    } finally {
      setPending(false);
    }
  }, []);
  return { pending, error, run, clear: () => setError(null) };
}

/** What a refusal means for an admin, in words. */
export function explain(error: ApiError): string {
  switch (error.code) {
    case "STEP_UP_REQUIRED":
      return `${error.message} This needs a (recent) second-factor check: verify a code and try again.`;
    case "FORBIDDEN":
      return error.reason
        ? `Refused (${error.reason}): ${error.message}`
        : `Refused: ${error.message} A superadmin with a verified second factor may do this.`;
    case "UNAUTHENTICATED":
      return "Your session ended or the token is no longer valid. Sign in again.";
    case "LOCKDOWN_ACTIVE":
      return "The platform is in emergency lockdown: only superadmins at level 3 are served.";
    case "RATE_LIMITED":
    case "TOO_MANY_ATTEMPTS":
      return `Too many requests: ${error.message}`;
    case "NETWORK_ERROR":
      return error.message;
    default:
      return error.message;
  }
}

/** An error line, announced to screen readers. */
export function ErrorNote({ error }: { error: ApiError | null }): ReactNode {
  if (!error) return null;
  return (
    <p className="error" role="alert" data-code={error.code}>
      {explain(error)} <span className="code">{error.code}</span>
    </p>
  );
}

/** A load refused for want of a recent second factor: verify, then load again. */
function StepUpRetry({ onRetry }: { onRetry?: () => void }): ReactNode {
  const { stepUp } = useSession();
  return (
    <button type="button" onClick={() => void stepUp().then((verified) => verified && onRetry?.())}>
      Verify your second factor and retry
    </button>
  );
}

/** A panel with a title, and its loading, error and empty states. */
export function Section<T>({
  title,
  loaded,
  isEmpty,
  empty,
  actions,
  children,
  onRetry,
}: {
  title: string;
  loaded?: Loaded<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  actions?: ReactNode;
  onRetry?: () => void;
  children: (data: T) => ReactNode;
}): ReactNode {
  const id = `panel-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  let body: ReactNode;
  if (!loaded || loaded.state === "loading") {
    body = (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  } else if (loaded.state === "error") {
    body = (
      <div>
        <ErrorNote error={loaded.error} />
        {loaded.error.code === "STEP_UP_REQUIRED" ? (
          <StepUpRetry onRetry={onRetry} />
        ) : (
          onRetry && (
            <button type="button" onClick={onRetry}>
              Retry
            </button>
          )
        )}
      </div>
    );
  } else if (isEmpty?.(loaded.data)) {
    body = <p className="muted empty">{empty ?? "Nothing here yet."}</p>;
  } else {
    body = children(loaded.data);
  }
  return (
    <section className="panel" aria-labelledby={id}>
      <header className="panel-header">
        <h2 id={id}>{title}</h2>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      {body}
    </section>
  );
}

/** A date as the admin's locale shows it. */
export const when = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleString() : "—";
