import {
  useEffect,
  useRef,
  useState,
  type FormEvent,
  type KeyboardEvent,
  type ReactNode,
} from "react";
import { VerifyBackupCodeMutation, VerifyTwoFactorMutation } from "../api/operations";
import { useSession } from "../session";
import { ErrorNote, useAction } from "../ui";

/**
 * The step-up prompt: a TOTP code (or a backup code) raises the session to level 3, then the
 * refused action runs again. Escape or Cancel gives up.
 */
export function StepUpDialog({ done }: { done: (verified: boolean) => void }): ReactNode {
  const { call } = useSession();
  const [code, setCode] = useState("");
  const [backup, setBackup] = useState(false);
  const action = useAction();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
    const onKey = (event: globalThis.KeyboardEvent) => event.key === "Escape" && done(false);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [done]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      if (backup) await call(VerifyBackupCodeMutation, { code: code.trim() });
      else await call(VerifyTwoFactorMutation, { code: code.trim() });
      done(true);
    });
  };
  // A modal dialog keeps the keyboard inside it: Tab from the last control returns to the first.
  const keepFocusInside = (event: KeyboardEvent<HTMLFormElement>) => {
    if (event.key !== "Tab") return;
    const controls = [
      ...event.currentTarget.querySelectorAll<HTMLElement>("input, button:not([disabled])"),
    ];
    const first = controls[0];
    const last = controls[controls.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last?.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first?.focus();
    }
  };
  return (
    <div className="backdrop">
      <form
        role="dialog"
        aria-modal="true"
        aria-labelledby="step-up-title"
        className="dialog card"
        onSubmit={submit}
        onKeyDown={keepFocusInside}
      >
        <h2 id="step-up-title">Verify your second factor</h2>
        <p>
          This action needs a recent second-factor check.{" "}
          {backup
            ? "Enter one of your backup codes."
            : "Enter the current code from your authenticator app."}
        </p>
        <label>
          {backup ? "Backup code" : "Authenticator code"}
          <input
            ref={input}
            name="stepUpCode"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            inputMode={backup ? "text" : "numeric"}
            autoComplete="one-time-code"
            pattern={backup ? undefined : "[0-9]{6}"}
            required
          />
        </label>
        <div className="row">
          <button type="submit" disabled={action.pending}>
            {action.pending ? "Verifying…" : "Verify and continue"}
          </button>
          <button type="button" className="secondary" onClick={() => setBackup(!backup)}>
            {backup ? "Use an authenticator code" : "Use a backup code"}
          </button>
          <button type="button" className="secondary" onClick={() => done(false)}>
            Cancel
          </button>
        </div>
        <ErrorNote error={action.error} />
      </form>
    </div>
  );
}
