import { useState, type FormEvent, type ReactNode } from "react";
import {
  AddIpAllowlistEntryMutation,
  IpAllowlistQuery,
  RemoveIpAllowlistEntryMutation,
} from "../api/operations";
import { allowsEverywhere, isCidr } from "../cidr";
import { useSession } from "../session";
import { ErrorNote, Section, useAction, useLoad, when } from "../ui";

/** The admin IP allowlist: list, add (CIDR checked here and by the server), remove with confirmation. */
export function Allowlist(): ReactNode {
  const { call, withStepUp } = useSession();
  const [loaded, reload] = useLoad(
    async () => (await call(IpAllowlistQuery, {})).ipAllowlistEntries,
    [call],
  );
  const [ipRange, setIpRange] = useState("");
  const [description, setDescription] = useState("");
  const [expiresAt, setExpiresAt] = useState("");
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);
  const add = useAction();
  const remove = useAction();
  const formProblem = !ipRange.trim()
    ? null
    : !isCidr(ipRange)
      ? "Not an IPv4 or IPv6 range such as 203.0.113.0/24 or 2001:db8::/48."
      : allowsEverywhere(ipRange)
        ? "A /0 range would allow every address; the dashboard does not offer that."
        : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (formProblem) return;
    void add.run(async () => {
      await withStepUp(() =>
        call(AddIpAllowlistEntryMutation, {
          ipRange: ipRange.trim(),
          description: description.trim(),
          isGlobal: true,
          expiresAt: expiresAt ? new Date(expiresAt).toISOString() : null,
        }),
      );
      setIpRange("");
      setDescription("");
      setExpiresAt("");
      reload();
    });
  };
  const removeEntry = (id: string) =>
    void remove.run(async () => {
      await withStepUp(() => call(RemoveIpAllowlistEntryMutation, { id }));
      setConfirmRemove(null);
      reload();
    });

  return (
    <>
      <Section
        title="IP allowlist"
        loaded={loaded}
        onRetry={reload}
        isEmpty={(data) => data.length === 0}
        empty="No managed entries: only ADMIN_IP_ALLOWLIST (loopback by default) reaches the admin profile."
      >
        {(entries) => (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Allowlist entries</caption>
                <thead>
                  <tr>
                    <th scope="col">Range</th>
                    <th scope="col">Description</th>
                    <th scope="col">Scope</th>
                    <th scope="col">Created</th>
                    <th scope="col">Expires</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((entry) => (
                    <tr key={entry.id} data-ip-range={entry.ipRange}>
                      <td>
                        <code>{entry.ipRange}</code>
                      </td>
                      <td>{entry.description}</td>
                      <td>{entry.isGlobal ? "global" : entry.organizationId}</td>
                      <td>
                        {when(entry.createdAt)} by {entry.createdBy}
                      </td>
                      <td>{entry.expiresAt ? when(entry.expiresAt) : "never"}</td>
                      <td>
                        {confirmRemove === entry.id ? (
                          <span className="row">
                            <button
                              type="button"
                              className="danger"
                              onClick={() => removeEntry(entry.id)}
                              disabled={remove.pending}
                            >
                              Confirm removal of {entry.ipRange}
                            </button>
                            <button
                              type="button"
                              className="secondary"
                              onClick={() => setConfirmRemove(null)}
                            >
                              Keep
                            </button>
                          </span>
                        ) : (
                          <button
                            type="button"
                            onClick={() => setConfirmRemove(entry.id)}
                            aria-label={`Remove ${entry.ipRange}`}
                          >
                            Remove
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <ErrorNote error={remove.error} />
          </>
        )}
      </Section>
      <form onSubmit={submit} className="card" aria-labelledby="allowlist-add-title">
        <h3 id="allowlist-add-title">Add a range</h3>
        <div className="row">
          <label className="grow">
            IP range (CIDR)
            <input
              name="ipRange"
              value={ipRange}
              onChange={(e) => setIpRange(e.target.value)}
              placeholder="203.0.113.0/24"
              required
              aria-invalid={formProblem ? true : undefined}
              aria-describedby="ip-range-problem"
            />
          </label>
          <label className="grow">
            Description
            <input
              name="description"
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              required
              maxLength={200}
            />
          </label>
          <label>
            Expires (optional)
            <input
              name="expiresAt"
              type="datetime-local"
              value={expiresAt}
              onChange={(e) => setExpiresAt(e.target.value)}
            />
          </label>
          <button type="submit" disabled={add.pending || Boolean(formProblem)}>
            {add.pending ? "Adding…" : "Add range"}
          </button>
        </div>
        <p id="ip-range-problem" className="error small" role={formProblem ? "alert" : undefined}>
          {formProblem}
        </p>
        <ErrorNote error={add.error} />
      </form>
    </>
  );
}
