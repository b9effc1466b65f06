import { useEffect, useState, type ReactNode } from "react";
import {
  AcknowledgeAlertMutation,
  ResolveAlertMutation,
  SecurityAlertsQuery,
  SecurityAlertsSubscription,
} from "../api/operations";
import type { AlertStatus, SecurityAlertFieldsFragment } from "../gql/graphql";
import { useSession } from "../session";
import { ErrorNote, Section, useAction, useLoad, when } from "../ui";

const views: Record<string, AlertStatus[] | null> = {
  open: ["OPEN", "ACKNOWLEDGED"],
  resolved: ["RESOLVED"],
  all: null,
};

/** One alert with its acknowledge and resolve actions, each with an optional note. */
function AlertItem({
  alert,
  onChanged,
}: {
  alert: SecurityAlertFieldsFragment;
  onChanged: (alert: SecurityAlertFieldsFragment) => void;
}): ReactNode {
  const { call, withStepUp } = useSession();
  const [note, setNote] = useState("");
  const action = useAction();
  const act = (kind: "acknowledge" | "resolve") =>
    void action.run(async () => {
      const variables = { id: alert.id, note: note.trim() || null };
      const changed = await withStepUp(async () =>
        kind === "acknowledge"
          ? (await call(AcknowledgeAlertMutation, variables)).acknowledgeAlert
          : (await call(ResolveAlertMutation, variables)).resolveAlert,
      );
      setNote("");
      onChanged(changed);
    });
  return (
    <li
      className={`alert severity-${alert.severity}`}
      data-alert-id={alert.id}
      data-status={alert.status}
    >
      <div className="event-head">
        <span className={`badge severity-${alert.severity}`}>{alert.severity}</span>
        <strong>{alert.title}</strong>
        <span className={`badge status-${alert.status.toLowerCase()}`}>
          {alert.status.toLowerCase()}
        </span>
      </div>
      <p>{alert.summary}</p>
      <p className="muted small">
        {alert.occurrences} occurrence(s) · first {when(alert.firstSeenAt)} · last{" "}
        {when(alert.lastSeenAt)} · rule {alert.rule}
      </p>
      {alert.acknowledgedAt && (
        <p className="small">
          Acknowledged {when(alert.acknowledgedAt)}
          {alert.acknowledgementNote && <>: “{alert.acknowledgementNote}”</>}
        </p>
      )}
      {alert.resolvedAt && (
        <p className="small">
          Resolved {when(alert.resolvedAt)}
          {alert.resolutionNote && <>: “{alert.resolutionNote}”</>}
        </p>
      )}
      {alert.status !== "RESOLVED" && (
        <div className="row">
          <label className="grow">
            Note
            <input
              name="note"
              value={note}
              maxLength={500}
              onChange={(e) => setNote(e.target.value)}
              placeholder="What you found or did"
            />
          </label>
          {alert.status === "OPEN" && (
            <button type="button" onClick={() => act("acknowledge")} disabled={action.pending}>
              Acknowledge
            </button>
          )}
          <button type="button" onClick={() => act("resolve")} disabled={action.pending}>
            Resolve
          </button>
        </div>
      )}
      <ErrorNote error={action.error} />
    </li>
  );
}

/** Alerts, open ones first, updated live. */
export function Alerts(): ReactNode {
  const { call, live } = useSession();
  const [view, setView] = useState<keyof typeof views>("open");
  const [loaded, reload, set] = useLoad(
    async () => (await call(SecurityAlertsQuery, { status: views[view] })).securityAlerts,
    [view, call],
  );
  const current = loaded.state === "ready" ? loaded.data : null;
  const replace = (alert: SecurityAlertFieldsFragment) => {
    const wanted = views[view];
    const list = (current ?? []).filter((known) => known.id !== alert.id);
    set(wanted && !wanted.includes(alert.status) ? list : [alert, ...list]);
  };
  useEffect(() => {
    if (!live) return;
    return live.subscribe(
      SecurityAlertsSubscription,
      () => ({}),
      () => reload(),
      () => undefined,
    );
  }, [live, reload]);
  return (
    <Section
      title="Alerts"
      loaded={loaded}
      onRetry={reload}
      isEmpty={(data) => data.length === 0}
      empty={view === "open" ? "No open alerts." : "No alerts here."}
      actions={
        <>
          <button type="button" className="secondary" onClick={reload}>
            Refresh
          </button>
          <label>
            Show
            <select
              name="alertView"
              value={view}
              onChange={(e) => setView(e.target.value as keyof typeof views)}
            >
              <option value="open">open and acknowledged</option>
              <option value="resolved">resolved</option>
              <option value="all">all</option>
            </select>
          </label>
        </>
      }
    >
      {(data) => (
        <ul className="alerts">
          {data.map((alert) => (
            <AlertItem key={alert.id} alert={alert} onChanged={replace} />
          ))}
        </ul>
      )}
    </Section>
  );
}
