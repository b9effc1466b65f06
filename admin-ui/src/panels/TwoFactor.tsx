import QRCode from "qrcode";
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import {
  BeginEnrollmentMutation,
  ConfirmEnrollmentMutation,
  VerifyBackupCodeMutation,
  VerifyTwoFactorMutation,
} from "../api/operations";
import { useSession } from "../session";
import { ErrorNote, useAction } from "../ui";

/** The otpauth URI as a QR code, drawn here on a canvas (no external service, no data: script). */
function QrCode({ uri }: { uri: string }): ReactNode {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (canvas.current) void QRCode.toCanvas(canvas.current, uri, { width: 200, margin: 2 });
  }, [uri]);
  return (
    <canvas
      ref={canvas}
      role="img"
      aria-label="QR code of the authenticator enrollment"
      width={200}
      height={200}
    />
  );
}

/** Backup codes, shown once, with copy and download. */
function BackupCodes({ codes }: { codes: readonly string[] }): ReactNode {
  const [copied, setCopied] = useState<string | null>(null);
  const text = `${codes.join("\n")}\n`;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("Copied.");
    } catch {
      setCopied("This browser refused the clipboard: select the codes and copy them.");
    }
  };
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "rampart-backup-codes.txt";
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
  };
  return (
    <div className="card backup-codes">
      <h3>Backup codes</h3>
      <p>
        Each works once, in place of an authenticator code. They are shown only now: keep them
        somewhere safe.
      </p>
      <ul className="codes" aria-label="Backup codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="row">
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={download}>
          Download
        </button>
      </div>
      {copied && <p role="status">{copied}</p>}
    </div>
  );
}

/** Two-factor enrollment (QR code, confirm, backup codes) and verification for step-up. */
export function TwoFactor(): ReactNode {
  const { call, me, refreshMe } = useSession();
  const [enrollment, setEnrollment] = useState<{ otpauthUri: string; secret: string } | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState("");
  const [backupCode, setBackupCode] = useState("");
  const [verified, setVerified] = useState<string | null>(null);
  const action = useAction();
  const enrolled = me?.twoFactorEnabled === true;

  const begin = (replacePending: boolean) =>
    void action.run(async () => {
      setEnrollment(
        (await call(BeginEnrollmentMutation, { replacePending })).beginTwoFactorEnrollment,
      );
    });
  const confirm = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const { confirmTwoFactorEnrollment } = await call(ConfirmEnrollmentMutation, {
        code: code.trim(),
      });
      setCodes(confirmTwoFactorEnrollment.backupCodes);
      setEnrollment(null);
      setCode("");
      await refreshMe();
    });
  };
  const verify = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const result = backupCode.trim()
        ? (await call(VerifyBackupCodeMutation, { code: backupCode.trim() })).verifyBackupCode
        : (await call(VerifyTwoFactorMutation, { code: code.trim() })).verifyTwoFactor;
      setVerified(`Verified: this session is at level ${result?.securityLevel ?? "?"}.`);
      setCode("");
      setBackupCode("");
      await refreshMe();
    });
  };

  return (
    <section className="panel" aria-labelledby="two-factor-title">
      <header className="panel-header">
        <h2 id="two-factor-title">Two-factor authentication</h2>
      </header>
      {!me && <p role="status">Loading…</p>}
      {me && (
        <p data-two-factor={enrolled ? "enabled" : "disabled"}>
          {enrolled
            ? "Two-factor authentication is on."
            : "Two-factor authentication is off: the admin API needs it."}{" "}
          This session is at level{" "}
          <strong data-security-level={me.securityLevel ?? 0}>{me.securityLevel ?? 0}</strong>.
        </p>
      )}
      {codes && <BackupCodes codes={codes} />}
      {me && !enrolled && !enrollment && (
        <div className="row">
          <button type="button" onClick={() => begin(false)} disabled={action.pending}>
            Start enrollment
          </button>
          {action.error?.reason === "TWO_FACTOR_ENROLLMENT_PENDING" && (
            <button type="button" onClick={() => begin(true)}>
              Start over (replace the pending enrollment)
            </button>
          )}
        </div>
      )}
      {enrollment && (
        <form className="card" onSubmit={confirm} aria-labelledby="enroll-title">
          <h3 id="enroll-title">Scan with your authenticator app</h3>
          <QrCode uri={enrollment.otpauthUri} />
          <p className="small">
            Or enter this secret:{" "}
            <code data-totp-secret={enrollment.secret}>{enrollment.secret}</code>
          </p>
          <label>
            Code from the app
            <input
              name="confirmCode"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              inputMode="numeric"
              pattern="[0-9]{6}"
              autoComplete="one-time-code"
              required
            />
          </label>
          <button type="submit" disabled={action.pending}>
            Confirm enrollment
          </button>
        </form>
      )}
      {enrolled && (
        <form className="card" onSubmit={verify} aria-labelledby="verify-title">
          <h3 id="verify-title">Verify (step up to level 3)</h3>
          <div className="row">
            <label className="grow">
              Authenticator code
              <input
                name="verifyCode"
                value={code}
                onChange={(e) => setCode(e.target.value)}
                inputMode="numeric"
                pattern="[0-9]{6}"
                autoComplete="one-time-code"
              />
            </label>
            <label className="grow">
              or a backup code
              <input
                name="backupCode"
                value={backupCode}
                onChange={(e) => setBackupCode(e.target.value)}
                autoComplete="off"
              />
            </label>
            <button type="submit" disabled={action.pending || (!code.trim() && !backupCode.trim())}>
              Verify
            </button>
          </div>
          {verified && <p role="status">{verified}</p>}
        </form>
      )}
      <ErrorNote error={action.error} />
    </section>
  );
}
