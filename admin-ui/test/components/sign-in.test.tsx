import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { SignIn } from "../../src/panels/SignIn";
import { tokenFor } from "./gateway-stand-in";

describe("the sign-in page", () => {
  it("hides the development sign-in when the gateway does not offer it", () => {
    render(<SignIn offered={false} onSignedIn={() => undefined} />);
    expect(screen.queryByRole("form", { name: "Development sign-in" })).toBeNull();
    expect(screen.getByRole("note")).toHaveTextContent(/Development sign-in is off here/);
  });

  it("takes a pasted token (with or without Bearer) and refuses text that is no JWT", async () => {
    const onSignedIn = vi.fn();
    const user = userEvent.setup();
    render(<SignIn offered={false} onSignedIn={onSignedIn} />);
    const field = screen.getByLabelText("Token");
    await user.type(field, "not a token");
    await user.click(screen.getByRole("button", { name: "Use this token" }));
    expect(onSignedIn).not.toHaveBeenCalled();

    const token = tokenFor({ sub: "user_demo_alice", sid: "sess_pasted" });
    await user.clear(field);
    await user.type(field, `Bearer ${token}`);
    await user.click(screen.getByRole("button", { name: "Use this token" }));
    expect(onSignedIn).toHaveBeenCalledWith(token, null);
  });

  it("signs in with a development token and keeps how, for refreshes", async () => {
    const token = tokenFor({ sub: "user_demo_alice", sid: "sess_dev" });
    const requests: unknown[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      requests.push({ url, body: JSON.parse(String(init.body)) });
      return Response.json({ token, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    });
    const onSignedIn = vi.fn();
    const user = userEvent.setup();
    render(<SignIn offered onSignedIn={onSignedIn} />);
    await user.clear(screen.getByLabelText("Role"));
    await user.click(screen.getByRole("button", { name: "Sign in with a development token" }));
    const from = {
      userId: "user_demo_alice",
      organizationId: "org_rampart_admin",
      role: undefined,
      ttlSeconds: 3600,
    };
    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalledWith(token, from));
    expect(requests).toEqual([
      {
        url: "/auth/dev-token",
        body: { userId: "user_demo_alice", organizationId: "org_rampart_admin", ttlSeconds: 3600 },
      },
    ]);
  });
});
