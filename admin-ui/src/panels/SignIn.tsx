import { useState, type FormEvent, type ReactNode } from "react";
import { devSignIn, type DevSignInRequest } from "../api/client";
import { ErrorNote, useAction } from "../ui";

/** Development sign-in: a token from the local development issuer (off in production). */
export function SignIn({
  offered,
  onSignedIn,
}: {
  /** Whether the gateway offers development sign-in (`GET /auth/config`). */
  offered: boolean;
  onSignedIn: (token: string, from: Omit<DevSignInRequest, "sessionId"> | null) => void;
}): ReactNode {
  const [userId, setUserId] = useState("user_demo_alice");
  const [organizationId, setOrganizationId] = useState("org_rampart_admin");
  const [role, setRole] = useState("admin");
  const [ttl, setTtl] = useState("3600");
  const [pasted, setPasted] = useState("");
  const action = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const from = {
      userId: userId.trim(),
      organizationId: organizationId.trim() || undefined,
      role: role.trim() || undefined,
      ttlSeconds: Number(ttl) || undefined,
    };
    void action.run(async () => {
      const { token } = await devSignIn(from);
      onSignedIn(token, from);
    });
  };
  const usePasted = (event: FormEvent) => {
    event.preventDefault();
    const token = pasted.trim().replace(/^Bearer\s+/i, "");
    if (token.split(".").length === 3) onSignedIn(token, null);
  };

  return (
    <main className="sign-in">
      <h1>Rampart admin</h1>
      {offered === true && (
        <form onSubmit={submit} aria-labelledby="dev-sign-in-title" className="card">
          <h2 id="dev-sign-in-title">Development sign-in</h2>
          <p className="muted">
            A token from the local development issuer (as <code>npm run dev-token</code> prints).
            Platform superadmins are admins of <code>org_rampart_admin</code>.
          </p>
          <label>
            User id
            <input
              name="userId"
              value={userId}
              onChange={(e) => setUserId(e.target.value)}
              required
              autoComplete="username"
            />
          </label>
          <label>
            Organization id
            <input
              name="organizationId"
              value={organizationId}
              onChange={(e) => setOrganizationId(e.target.value)}
            />
          </label>
          <label>
            Role
            <input name="role" value={role} onChange={(e) => setRole(e.target.value)} />
          </label>
          <label>
            Token lifetime (seconds; refreshed for the same session before it ends)
            <input
              name="ttlSeconds"
              type="number"
              min={60}
              max={3600}
              value={ttl}
              onChange={(e) => setTtl(e.target.value)}
            />
          </label>
          <button type="submit" disabled={action.pending}>
            {action.pending ? "Signing in…" : "Sign in with a development token"}
          </button>
          <ErrorNote error={action.error} />
        </form>
      )}
      {offered === false && (
        <p className="card" role="note">
          Development sign-in is off here (production, or Clerk is configured). Paste a session
          token below.
        </p>
      )}
      <form onSubmit={usePasted} className="card" aria-labelledby="token-title">
        <h2 id="token-title">Use a session token</h2>
        <label>
          Token
          <textarea
            name="token"
            rows={3}
            value={pasted}
            onChange={(e) => setPasted(e.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
        </label>
        <button type="submit">Use this token</button>
      </form>
    </main>
  );
}
