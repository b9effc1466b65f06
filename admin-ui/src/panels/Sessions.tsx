import { useState, type FormEvent, type ReactNode } from "react";
import {
  MySessionsQuery,
  RevokeAllSessionsMutation,
  RevokeSessionMutation,
  RevokeUserSessionsMutation,
} from "../api/operations";
import { useSession } from "../session";
import { ErrorNote, Section, useAction, useLoad, when } from "../ui";

const levels = ["anonymous", "signed in", "second factor", "recent step-up"];

/** My sessions (revoke one); superadmins may also revoke every session of a user. */
export function Sessions(): ReactNode {
  const { call, withStepUp, signOut } = useSession();
  const [loaded, reload] = useLoad(
    async () => (await call(MySessionsQuery, {})).mySessions,
    [call],
  );
  const [userId, setUserId] = useState("");
  const revoke = useAction();
  const revokeUser = useAction();
  const revokeAll = useAction();
  const [confirmAll, setConfirmAll] = useState(false);
  const revokeEveryone = () =>
    void revokeAll.run(async () => {
      await withStepUp(() => call(RevokeAllSessionsMutation, {}));
      // This session is one of them.
      signOut();
    });

  const revokeOne = (id: string, current: boolean) =>
    void revoke.run(async () => {
      await withStepUp(() => call(RevokeSessionMutation, { id }));
      if (current) signOut();
      else reload();
    });
  const submitUser = (event: FormEvent) => {
    event.preventDefault();
    void revokeUser.run(async () => {
      await withStepUp(() => call(RevokeUserSessionsMutation, { userId: userId.trim() }));
      setUserId("");
      reload();
    });
  };

  return (
    <>
      <Section
        title="My sessions"
        loaded={loaded}
        onRetry={reload}
        isEmpty={(data) => data.length === 0}
        empty="No sessions."
        actions={
          <button type="button" className="secondary" onClick={reload}>
            Refresh
          </button>
        }
      >
        {(sessions) => (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">My sessions</caption>
              <thead>
                <tr>
                  <th scope="col">Session</th>
                  <th scope="col">IP</th>
                  <th scope="col">Level</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sessions.map((session) => (
                  <tr key={session.id} data-session-id={session.id} data-current={session.current}>
                    <td>
                      <code>{session.id}</code>{" "}
                      {session.current && <span className="badge">this one</span>}
                      <div className="muted small">{session.userAgent ?? ""}</div>
                    </td>
                    <td>{session.ip}</td>
                    <td>
                      {session.securityLevel} ({levels[session.securityLevel] ?? "?"})
                    </td>
                    <td>{when(session.lastSeenAt)}</td>
                    <td>
                      <button
                        type="button"
                        className={session.current ? "secondary" : "danger"}
                        onClick={() => revokeOne(session.id, session.current)}
                        disabled={revoke.pending}
                        aria-label={`Revoke session ${session.id}${session.current ? " (signs you out)" : ""}`}
                      >
                        {session.current ? "Sign out" : "Revoke"}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <ErrorNote error={revoke.error} />
          </div>
        )}
      </Section>
      <form className="card" onSubmit={submitUser} aria-labelledby="revoke-user-title">
        <h3 id="revoke-user-title">Revoke every session of a user (superadmin)</h3>
        <div className="row">
          <label className="grow">
            User id
            <input
              name="revokeUserId"
              value={userId}
              onChange={(e) => setUserId(e.target.value)}
              placeholder="user_…"
              required
              pattern="user_[A-Za-z0-9_]+"
            />
          </label>
          <button type="submit" className="danger" disabled={revokeUser.pending}>
            Revoke their sessions
          </button>
        </div>
        <ErrorNote error={revokeUser.error} />
      </form>
      <div className="card">
        <h3>Revoke every session of every user (superadmin)</h3>
        <p className="muted small">
          Everyone, you included, must sign in again: for a suspected token theft.
        </p>
        <div className="row">
          {confirmAll ? (
            <>
              <button
                type="button"
                className="danger"
                onClick={revokeEveryone}
                disabled={revokeAll.pending}
              >
                Confirm: revoke every session
              </button>
              <button type="button" className="secondary" onClick={() => setConfirmAll(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button type="button" className="danger" onClick={() => setConfirmAll(true)}>
              Revoke every session
            </button>
          )}
        </div>
        <ErrorNote error={revokeAll.error} />
      </div>
    </>
  );
}
