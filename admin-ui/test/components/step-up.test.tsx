import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { Lockdown } from "../../src/panels/Lockdown";
import { gatewayStandIn, meAt, renderSignedIn } from "./gateway-stand-in";

const off = { active: false, reason: null, actorId: null, changedAt: null };
const on = {
  active: true,
  reason: "credential stuffing",
  actorId: "user_demo_alice",
  changedAt: "2026-12-04T23:00:00.000Z",
};
const stepUpRequired = {
  status: 403,
  code: "STEP_UP_REQUIRED",
  message: "A recent second-factor check is required.",
};

describe("lockdown with a reason, and the step-up prompt that retries it", () => {
  it("asks for a reason of 3 characters or more, then for a confirmation, before any call", async () => {
    const sent = gatewayStandIn({ Me: meAt(2), Lockdown: { data: { emergencyLockdown: off } } });
    const user = userEvent.setup();
    renderSignedIn(<Lockdown />);
    const turnOn = await screen.findByRole("button", { name: "Turn lockdown on" });
    expect(turnOn).toBeDisabled();
    await user.type(screen.getByLabelText("Reason"), "  x ");
    expect(turnOn).toBeDisabled();
    await user.type(screen.getByLabelText("Reason"), "yz");
    await user.click(turnOn);
    expect(screen.getByRole("button", { name: "Confirm: turn lockdown on" })).toBeEnabled();
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.getByRole("button", { name: "Turn lockdown on" })).toBeInTheDocument();
    expect(sent.map((s) => s.operationName)).not.toContain("ActivateLockdown");
  });

  it("on STEP_UP_REQUIRED opens the prompt, verifies the TOTP code, and runs the action again", async () => {
    const sent = gatewayStandIn({
      Me: [meAt(2), meAt(3)],
      Lockdown: { data: { emergencyLockdown: off } },
      ActivateLockdown: [stepUpRequired, { data: { activateEmergencyLockdown: on } }],
      VerifyTwoFactor: { data: { verifyTwoFactor: { id: "sess_component", securityLevel: 3 } } },
    });
    const user = userEvent.setup();
    renderSignedIn(<Lockdown />);
    await user.type(await screen.findByLabelText("Reason"), " credential stuffing ");
    await user.click(screen.getByRole("button", { name: "Turn lockdown on" }));
    await user.click(screen.getByRole("button", { name: "Confirm: turn lockdown on" }));

    const dialog = await screen.findByRole("dialog", { name: "Verify your second factor" });
    const code = screen.getByLabelText("Authenticator code");
    expect(code).toHaveFocus();
    await user.type(code, "123456");
    await user.click(screen.getByRole("button", { name: "Verify and continue" }));

    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Lockdown is ON"));
    expect(dialog).not.toBeInTheDocument();
    expect(screen.getByText(/credential stuffing/)).toBeInTheDocument();
    expect(sent.map((s) => s.operationName).filter((n) => n !== "Me")).toEqual([
      "Lockdown",
      "ActivateLockdown",
      "VerifyTwoFactor",
      "ActivateLockdown",
    ]);
    expect(sent.find((s) => s.operationName === "VerifyTwoFactor")?.variables).toEqual({
      code: "123456",
    });
    expect(sent.filter((s) => s.operationName === "ActivateLockdown")[1].variables).toEqual({
      reason: "credential stuffing",
    });
  });

  it("takes a backup code instead, and shows a wrong code's refusal without closing", async () => {
    const sent = gatewayStandIn({
      Me: [meAt(2), meAt(3)],
      Lockdown: { data: { emergencyLockdown: on } },
      DeactivateLockdown: [stepUpRequired, { data: { deactivateEmergencyLockdown: off } }],
      VerifyBackupCode: [
        { status: 400, code: "BAD_USER_INPUT", message: "That backup code is not valid." },
        { data: { verifyBackupCode: { id: "sess_component", securityLevel: 3 } } },
      ],
    });
    const user = userEvent.setup();
    renderSignedIn(<Lockdown />);
    await user.type(await screen.findByLabelText("Reason"), "all clear");
    await user.click(screen.getByRole("button", { name: "Turn lockdown off" }));
    await user.click(screen.getByRole("button", { name: "Confirm: turn lockdown off" }));
    await screen.findByRole("dialog");
    await user.click(screen.getByRole("button", { name: "Use a backup code" }));
    await user.type(screen.getByLabelText("Backup code"), "wrong-code");
    await user.click(screen.getByRole("button", { name: "Verify and continue" }));
    expect(await screen.findByText(/That backup code is not valid/)).toBeInTheDocument();
    expect(screen.getByRole("dialog")).toBeInTheDocument();

    await user.clear(screen.getByLabelText("Backup code"));
    await user.type(screen.getByLabelText("Backup code"), "abcd-efgh");
    await user.click(screen.getByRole("button", { name: "Verify and continue" }));
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Lockdown is off"));
    expect(sent.filter((s) => s.operationName === "DeactivateLockdown")).toHaveLength(2);
  });

  it("Escape gives up: the refusal is shown and the action is not sent again", async () => {
    const sent = gatewayStandIn({
      Me: meAt(2),
      Lockdown: { data: { emergencyLockdown: off } },
      ActivateLockdown: stepUpRequired,
    });
    const user = userEvent.setup();
    renderSignedIn(<Lockdown />);
    await user.type(await screen.findByLabelText("Reason"), "drill");
    await user.click(screen.getByRole("button", { name: "Turn lockdown on" }));
    await user.click(screen.getByRole("button", { name: "Confirm: turn lockdown on" }));
    await screen.findByRole("dialog");
    await user.keyboard("{Escape}");
    const refusal = await screen.findByRole("alert");
    expect(refusal).toHaveAttribute("data-code", "STEP_UP_REQUIRED");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(sent.filter((s) => s.operationName === "ActivateLockdown")).toHaveLength(1);
  });
});
