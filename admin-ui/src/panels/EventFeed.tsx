import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { SecurityEventsQuery, SecurityEventsSubscription } from "../api/operations";
import { toFilter, type Filters } from "../filters";
import type { SecurityEventFieldsFragment } from "../gql/graphql";
import { useSession } from "../session";
import { ErrorNote, Section, useAction, when } from "../ui";

const PAGE = 25;
const severities = ["", "info", "low", "medium", "high", "critical"] as const;

/** Live security events, newest first, with filters and paging back through history. */
export function EventFeed(): ReactNode {
  const { call, live } = useSession();
  const [draft, setDraft] = useState<Filters>({ types: "", severity: "", organizationId: "" });
  const [filters, setFilters] = useState<Filters>(draft);
  const [events, setEvents] = useState<SecurityEventFieldsFragment[] | null>(null);
  const [page, setPage] = useState<{ endCursor: string | null; hasNextPage: boolean }>({
    endCursor: null,
    hasNextPage: false,
  });
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [liveError, setLiveError] = useState<string | null>(null);
  const history = useAction();
  const newestId = useRef<string | null>(null);

  // History for the current filter.
  useEffect(() => {
    setEvents(null);
    void history.run(async () => {
      const { securityEvents } = await call(SecurityEventsQuery, {
        filter: toFilter(filters),
        first: PAGE,
      });
      const nodes = securityEvents.edges.map((edge) => edge.node);
      newestId.current = nodes[0]?.id ?? null;
      setEvents(nodes);
      setPage(securityEvents.pageInfo);
    });
  }, [filters, call]);

  // Live events for the current filter, prepended as they arrive.
  useEffect(() => {
    if (!live) return;
    setLiveError(null);
    return live.subscribe(
      SecurityEventsSubscription,
      // After the newest event shown: a reconnection resumes with no gap and no duplicate.
      () => ({ filter: toFilter(filters), after: newestId.current }),
      ({ securityEvents: event }) => {
        newestId.current = event.id;
        setEvents((current) =>
          current?.some((known) => known.id === event.id) ? current : [event, ...(current ?? [])],
        );
        setFresh((current) => new Set([...current, event.id]));
      },
      setLiveError,
    );
  }, [live, filters]);

  const older = () =>
    void history.run(async () => {
      const { securityEvents } = await call(SecurityEventsQuery, {
        filter: toFilter(filters),
        first: PAGE,
        after: page.endCursor,
      });
      setEvents((current) => [
        ...(current ?? []),
        ...securityEvents.edges.map((edge) => edge.node),
      ]);
      setPage(securityEvents.pageInfo);
    });

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters({ ...draft });
  };

  return (
    <Section
      title="Security events"
      loaded={
        events
          ? { state: "ready", data: events }
          : history.error
            ? { state: "error", error: history.error }
            : undefined
      }
      actions={
        <form className="filters" onSubmit={apply} aria-label="Event filters">
          <label>
            Types
            <input
              name="types"
              placeholder="authorization.denied, …"
              value={draft.types}
              onChange={(e) => setDraft({ ...draft, types: e.target.value })}
            />
          </label>
          <label>
            Severity
            <select
              name="severity"
              value={draft.severity}
              onChange={(e) => setDraft({ ...draft, severity: e.target.value })}
            >
              {severities.map((severity) => (
                <option key={severity} value={severity}>
                  {severity || "any"}
                </option>
              ))}
            </select>
          </label>
          <label>
            Organization
            <input
              name="organizationId"
              placeholder="org_…"
              value={draft.organizationId}
              onChange={(e) => setDraft({ ...draft, organizationId: e.target.value })}
            />
          </label>
          <button type="submit">Apply</button>
        </form>
      }
      onRetry={() => setFilters({ ...filters })}
    >
      {(data) => (
        <>
          {liveError && (
            <p className="error" role="alert">
              Live feed: {liveError}
            </p>
          )}
          {data.length === 0 && (
            <p className="muted empty">
              No security events match yet. Refused requests appear here as they happen.
            </p>
          )}
          <ol className="events" aria-live="polite" aria-label="Security events, newest first">
            {data.map((event) => (
              <li
                key={event.id}
                className={`event severity-${event.severity}${fresh.has(event.id) ? " fresh" : ""}`}
                data-event-id={event.id}
                data-event-type={event.type}
              >
                <div className="event-head">
                  <span className={`badge severity-${event.severity}`}>{event.severity}</span>
                  <strong className="event-type">{event.type}</strong>
                  <time dateTime={event.occurredAt}>{when(event.occurredAt)}</time>
                </div>
                <p className="event-reason">{event.reason}</p>
                <p className="muted small">
                  {event.ip && <>IP {event.ip} · </>}
                  {event.organization ? (
                    <>
                      {event.organization.name} ({event.organization.id}) ·{" "}
                    </>
                  ) : event.organizationId ? (
                    <>{event.organizationId} · </>
                  ) : null}
                  {event.actorId && <>actor {event.actorId} · </>}
                  {event.requestId && <>request {event.requestId}</>}
                </p>
              </li>
            ))}
          </ol>
          {page.hasNextPage && (
            <button type="button" onClick={older} disabled={history.pending}>
              {history.pending ? "Loading…" : "Older events"}
            </button>
          )}
          <ErrorNote error={events ? history.error : null} />
        </>
      )}
    </Section>
  );
}
