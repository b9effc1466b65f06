import { useState, type FormEvent, type ReactNode } from "react";
import {
  ActivateLockdownMutation,
  DeactivateLockdownMutation,
  LockdownQuery,
} from "../api/operations";
import { useSession } from "../session";
import { ErrorNote, Section, useAction, useLoad, when } from "../ui";

/** Emergency lockdown: on and off with a reason; a step-up prompt when not at level 3. */
export function Lockdown(): ReactNode {
  const { call, withStepUp } = useSession();
  const [loaded, reload, set] = useLoad(
    async () => (await call(LockdownQuery, {})).emergencyLockdown,
    [call],
  );
  const [reason, setReason] = useState("");
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const active = loaded.state === "ready" && loaded.data.active;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!confirming) return setConfirming(true);
    setConfirming(false);
    void action.run(async () => {
      const variables = { reason: reason.trim() };
      const lockdown = await withStepUp(async () =>
        active
          ? (await call(DeactivateLockdownMutation, variables)).deactivateEmergencyLockdown
          : (await call(ActivateLockdownMutation, variables)).activateEmergencyLockdown,
      );
      set(lockdown);
      setReason("");
    });
  };

  return (
    <Section title="Emergency lockdown" loaded={loaded} onRetry={reload}>
      {(lockdown) => (
        <>
          <p
            className={`lockdown-state ${lockdown.active ? "on" : "off"}`}
            role="status"
            data-active={lockdown.active}
          >
            {lockdown.active ? "Lockdown is ON" : "Lockdown is off"}
          </p>
          <p className="small">
            {lockdown.changedAt ? (
              <>
                {lockdown.active ? "Turned on" : "Last turned off"} by{" "}
                <strong>{lockdown.actorId ?? "unknown"}</strong> at {when(lockdown.changedAt)}
                {lockdown.reason && <>: “{lockdown.reason}”</>}
              </>
            ) : (
              "Never switched."
            )}
          </p>
          <p className="muted small">
            While on, the admin profile serves only superadmins at level 3, live sockets close (this
            page reconnects), and the main profile refuses mutations.
          </p>
          <form onSubmit={submit} className="row">
            <label className="grow">
              Reason
              <input
                name="lockdownReason"
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                required
                minLength={3}
                maxLength={500}
              />
            </label>
            <button
              type="submit"
              className={lockdown.active ? "" : "danger"}
              disabled={action.pending || reason.trim().length < 3}
            >
              {confirming
                ? lockdown.active
                  ? "Confirm: turn lockdown off"
                  : "Confirm: turn lockdown on"
                : lockdown.active
                  ? "Turn lockdown off"
                  : "Turn lockdown on"}
            </button>
            {confirming && (
              <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            )}
          </form>
          <ErrorNote error={action.error} />
        </>
      )}
    </Section>
  );
}
