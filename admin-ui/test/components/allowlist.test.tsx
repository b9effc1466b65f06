import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { Allowlist } from "../../src/panels/Allowlist";
import { gatewayStandIn, meAt, renderSignedIn } from "./gateway-stand-in";

const entry = {
  id: "ipa_1",
  ipRange: "198.51.100.0/24",
  description: "Office",
  isGlobal: true,
  organizationId: null,
  createdBy: "user_demo_alice",
  createdAt: "2026-12-01T10:00:00.000Z",
  expiresAt: null,
};

describe("the IP allowlist form", () => {
  it("checks the range as it is typed and sends nothing the form refuses", async () => {
    const sent = gatewayStandIn({ Me: meAt(3), IpAllowlist: { data: { ipAllowlistEntries: [] } } });
    const user = userEvent.setup();
    renderSignedIn(<Allowlist />);
    const range = await screen.findByLabelText("IP range (CIDR)");
    const add = screen.getByRole("button", { name: "Add range" });

    await user.type(range, "10.0.0.300/8");
    expect(screen.getByRole("alert")).toHaveTextContent(/Not an IPv4 or IPv6 range/);
    expect(range).toHaveAttribute("aria-invalid", "true");
    expect(add).toBeDisabled();

    await user.clear(range);
    await user.type(range, "0.0.0.0/0");
    expect(screen.getByRole("alert")).toHaveTextContent(/would allow every address/);
    expect(add).toBeDisabled();

    await user.clear(range);
    await user.type(range, "2001:db8::/48");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(add).toBeEnabled();
    expect(sent.map((s) => s.operationName)).not.toContain("AddIpAllowlistEntry");
  });

  it("sends a valid range with the token, and shows the server's typed refusal", async () => {
    const sent = gatewayStandIn({
      Me: meAt(3),
      IpAllowlist: { data: { ipAllowlistEntries: [] } },
      AddIpAllowlistEntry: {
        status: 400,
        code: "BAD_USER_INPUT",
        message: "ipRange overlaps a reserved range",
        reason: "ipRange",
      },
    });
    const user = userEvent.setup();
    renderSignedIn(<Allowlist />);
    await user.type(await screen.findByLabelText("IP range (CIDR)"), " 203.0.113.0/24 ");
    await user.type(screen.getByLabelText("Description"), "VPN exit");
    await user.click(screen.getByRole("button", { name: "Add range" }));

    const refusal = await screen.findByRole("alert");
    expect(refusal).toHaveTextContent("ipRange overlaps a reserved range");
    expect(refusal).toHaveAttribute("data-code", "BAD_USER_INPUT");
    const added = sent.find((s) => s.operationName === "AddIpAllowlistEntry");
    expect(added?.variables).toEqual({
      ipRange: "203.0.113.0/24",
      description: "VPN exit",
      isGlobal: true,
      expiresAt: null,
    });
    expect(added?.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    // The form keeps what was typed, so the admin can correct it.
    expect(screen.getByLabelText("IP range (CIDR)")).toHaveValue(" 203.0.113.0/24 ");
  });

  it("removes an entry only after a confirmation, and Keep cancels", async () => {
    const sent = gatewayStandIn({
      Me: meAt(3),
      IpAllowlist: [
        { data: { ipAllowlistEntries: [entry] } },
        { data: { ipAllowlistEntries: [] } },
      ],
      RemoveIpAllowlistEntry: { data: { removeIpAllowlistEntry: true } },
    });
    const user = userEvent.setup();
    renderSignedIn(<Allowlist />);
    await user.click(await screen.findByRole("button", { name: "Remove 198.51.100.0/24" }));
    await user.click(screen.getByRole("button", { name: "Keep" }));
    expect(sent.map((s) => s.operationName)).not.toContain("RemoveIpAllowlistEntry");

    await user.click(screen.getByRole("button", { name: "Remove 198.51.100.0/24" }));
    const row = screen.getByRole("row", { name: /198\.51\.100\.0\/24/ });
    await user.click(
      within(row).getByRole("button", { name: "Confirm removal of 198.51.100.0/24" }),
    );
    await waitFor(() => expect(screen.getByText(/No managed entries/)).toBeInTheDocument());
    expect(sent.filter((s) => s.operationName === "RemoveIpAllowlistEntry")).toEqual([
      expect.objectContaining({ variables: { id: "ipa_1" } }),
    ]);
  });
});
