import { useEffect, useState, type ReactNode } from "react";
import { SecurityMetricsQuery, SecurityMetricsSubscription, SystemQuery } from "../api/operations";
import type { MetricsWindow } from "../gql/graphql";
import { useSession } from "../session";
import { Section, useLoad, when } from "../ui";

const windows: { value: MetricsWindow; label: string }[] = [
  { value: "LAST_5_MINUTES", label: "last 5 minutes" },
  { value: "LAST_HOUR", label: "last hour" },
  { value: "LAST_24_HOURS", label: "last 24 hours" },
  { value: "LAST_7_DAYS", label: "last 7 days" },
];

const bytes = (value: number) => `${(value / 1024 ** 3).toFixed(1)} GiB`;

/** A horizontal bar: `value` out of `max`, labelled. */
function Bar({ label, value, max }: { label: string; value: number; max: number }): ReactNode {
  const percent = max > 0 ? Math.round((value / max) * 100) : 0;
  return (
    <div className="bar-row">
      <span className="bar-label">{label}</span>
      <span
        className="bar"
        role="meter"
        aria-valuenow={value}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-label={label}
      >
        <span className="bar-fill" style={{ width: `${percent}%` }} />
      </span>
      <span className="bar-value">{value}</span>
    </div>
  );
}

/** Security metrics over a window, and each component's health, with system metrics. */
export function System(): ReactNode {
  const { call, live } = useSession();
  const [window, setWindow] = useState<MetricsWindow>("LAST_HOUR");
  const [metrics, reloadMetrics, setMetrics] = useLoad(
    async () => (await call(SecurityMetricsQuery, { window })).securityMetrics,
    [window, call],
  );
  // The security subgraph pushes the window's metrics every few seconds.
  useEffect(() => {
    if (!live) return;
    return live.subscribe(
      SecurityMetricsSubscription,
      () => ({ window }),
      ({ securityMetrics }) => setMetrics(securityMetrics),
      () => undefined,
    );
  }, [live, window, setMetrics]);
  const [system, reloadSystem] = useLoad(() => call(SystemQuery, {}), [call]);
  return (
    <>
      <Section
        title="Security metrics"
        loaded={metrics}
        onRetry={reloadMetrics}
        actions={
          <>
            <label>
              Window
              <select
                name="metricsWindow"
                value={window}
                onChange={(e) => setWindow(e.target.value as MetricsWindow)}
              >
                {windows.map((w) => (
                  <option key={w.value} value={w.value}>
                    {w.label}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" className="secondary" onClick={reloadMetrics}>
              Refresh
            </button>
          </>
        }
      >
        {(m) => {
          const max = Math.max(
            1,
            m.failedLogins,
            m.ipViolations,
            m.rateLimitHits,
            ...m.eventCounts.map((c) => c.count),
          );
          return (
            <>
              <dl className="stats">
                <div>
                  <dt>Events</dt>
                  <dd>{m.totalEvents}</dd>
                </div>
                <div>
                  <dt>Failed sign-ins</dt>
                  <dd>{m.failedLogins}</dd>
                </div>
                <div>
                  <dt>IP violations</dt>
                  <dd>{m.ipViolations}</dd>
                </div>
                <div>
                  <dt>Rate-limit hits</dt>
                  <dd>{m.rateLimitHits}</dd>
                </div>
                <div>
                  <dt>Active sessions</dt>
                  <dd>{m.activeSessions}</dd>
                </div>
                <div>
                  <dt>2FA adoption</dt>
                  <dd>
                    {m.twoFactorAdoption.rate === null || m.twoFactorAdoption.rate === undefined
                      ? "—"
                      : `${Math.round(m.twoFactorAdoption.rate * 100)}%`}{" "}
                    <span className="muted small">
                      ({m.twoFactorAdoption.enrolled}/{m.twoFactorAdoption.admins} admins)
                    </span>
                  </dd>
                </div>
              </dl>
              <h3>Refusals and events by type</h3>
              {m.eventCounts.length === 0 ? (
                <p className="muted empty">No events in this window.</p>
              ) : (
                m.eventCounts.map((c) => (
                  <Bar key={c.type} label={c.type} value={c.count} max={max} />
                ))
              )}
              <p className="muted small" data-sampled-at={m.sampledAt}>
                Since {when(m.since)} · sampled {when(m.sampledAt)}
              </p>
            </>
          );
        }}
      </Section>
      <Section
        title="Health"
        loaded={system}
        onRetry={reloadSystem}
        actions={
          <button type="button" className="secondary" onClick={reloadSystem}>
            Refresh
          </button>
        }
      >
        {({ systemHealth, systemMetrics }) => (
          <>
            <p className={`health ${systemHealth.status.toLowerCase()}`} role="status">
              Overall: {systemHealth.status} · checked {when(systemHealth.checkedAt)}
            </p>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Components</caption>
                <thead>
                  <tr>
                    <th scope="col">Component</th>
                    <th scope="col">Status</th>
                    <th scope="col">Latency</th>
                    <th scope="col">Error</th>
                  </tr>
                </thead>
                <tbody>
                  {systemHealth.components.map((c) => (
                    <tr key={c.name}>
                      <td>{c.name}</td>
                      <td className={`health ${c.status.toLowerCase()}`}>{c.status}</td>
                      <td>
                        {c.latencyMs === null || c.latencyMs === undefined
                          ? "—"
                          : `${c.latencyMs.toFixed(1)} ms`}
                      </td>
                      <td>{c.error ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <dl className="stats">
              <div>
                <dt>Host</dt>
                <dd>{systemMetrics.hostname}</dd>
              </div>
              <div>
                <dt>CPU</dt>
                <dd>
                  {systemMetrics.cpu.utilizationPercent?.toFixed(0) ?? "—"}% of{" "}
                  {systemMetrics.cpu.cores} cores
                </dd>
              </div>
              <div>
                <dt>Memory</dt>
                <dd>
                  {systemMetrics.memory.usedPercent.toFixed(0)}% of{" "}
                  {bytes(systemMetrics.memory.totalBytes)}
                </dd>
              </div>
              <div>
                <dt>Disk {systemMetrics.disk.path}</dt>
                <dd>{systemMetrics.disk.usedPercent.toFixed(0)}% used</dd>
              </div>
              <div>
                <dt>Network (all interfaces)</dt>
                <dd>
                  {bytes(systemMetrics.network.reduce((sum, n) => sum + n.receivedBytes, 0))} in ·{" "}
                  {bytes(systemMetrics.network.reduce((sum, n) => sum + n.sentBytes, 0))} out
                </dd>
              </div>
              <div>
                <dt>TCP connections</dt>
                <dd>{systemMetrics.connections.tcpTotal}</dd>
              </div>
              <div>
                <dt>Process uptime</dt>
                <dd>{Math.round(systemMetrics.uptime.processSeconds)} s</dd>
              </div>
            </dl>
          </>
        )}
      </Section>
    </>
  );
}
