import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { TwoFactor } from "../../src/panels/TwoFactor";
import { gatewayStandIn, meAt, renderSignedIn } from "./gateway-stand-in";

const backupCodes = ["aaaa-1111", "bbbb-2222", "cccc-3333"];
const otpauthUri =
  "otpauth://totp/Rampart:alice%40acme.example?secret=JBSWY3DPEHPK3PXP&issuer=Rampart";

/**
 * jsdom has no 2D canvas: this stand-in records what the QR code library draws, so the test sees
 * the code drawn in the page (no external image).
 */
function recordCanvasDrawing(): { pixels: number } {
  const drawn = { pixels: 0 };
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(
    () =>
      ({
        clearRect: () => undefined,
        createImageData: (width: number, height: number) => ({
          width,
          height,
          data: new Uint8ClampedArray(width * height * 4),
        }),
        putImageData: (image: ImageData) => {
          drawn.pixels += image.data.filter((value, i) => i % 4 === 0 && value === 0).length;
        },
      }) as unknown as CanvasRenderingContext2D,
  );
  return drawn;
}

describe("two-factor enrollment and its backup codes", () => {
  let downloads: { name: string; text: Promise<string> }[];
  beforeEach(() => {
    downloads = [];
    const blobs = new Map<string, Blob>();
    vi.spyOn(URL, "createObjectURL").mockImplementation((blob) => {
      const url = `blob:rampart/${blobs.size}`;
      blobs.set(url, blob as Blob);
      return url;
    });
    vi.spyOn(URL, "revokeObjectURL").mockImplementation(() => undefined);
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      downloads.push({ name: this.download, text: blobs.get(this.href)!.text() });
    });
  });

  it("draws the QR code locally, confirms a code, then shows the backup codes once to download", async () => {
    const drawn = recordCanvasDrawing();
    const sent = gatewayStandIn({
      Me: [meAt(1, false), meAt(2, true)],
      BeginTwoFactorEnrollment: {
        data: { beginTwoFactorEnrollment: { otpauthUri, secret: "JBSWY3DPEHPK3PXP" } },
      },
      ConfirmTwoFactorEnrollment: { data: { confirmTwoFactorEnrollment: { backupCodes } } },
    });
    const user = userEvent.setup();
    renderSignedIn(<TwoFactor />);
    await user.click(await screen.findByRole("button", { name: "Start enrollment" }));
    expect(
      await screen.findByRole("img", { name: "QR code of the authenticator enrollment" }),
    ).toBeInTheDocument();
    await waitFor(() => expect(drawn.pixels).toBeGreaterThan(100));
    await user.type(screen.getByLabelText("Code from the app"), "123456");
    await user.click(screen.getByRole("button", { name: "Confirm enrollment" }));

    const list = await screen.findByRole("list", { name: "Backup codes" });
    expect([...list.querySelectorAll("li")].map((li) => li.textContent)).toEqual(backupCodes);
    expect(sent.find((s) => s.operationName === "ConfirmTwoFactorEnrollment")?.variables).toEqual({
      code: "123456",
    });
    // The enrollment form is gone: the secret is not left on screen.
    expect(screen.queryByText("JBSWY3DPEHPK3PXP")).toBeNull();

    await user.click(screen.getByRole("button", { name: "Download" }));
    expect(downloads).toHaveLength(1);
    expect(downloads[0].name).toBe("rampart-backup-codes.txt");
    expect(await downloads[0].text).toBe("aaaa-1111\nbbbb-2222\ncccc-3333\n");
  });

  it("copies the codes, and says so when the browser refuses the clipboard", async () => {
    gatewayStandIn({
      Me: [meAt(1, false), meAt(2, true)],
      BeginTwoFactorEnrollment: {
        data: { beginTwoFactorEnrollment: { otpauthUri, secret: "JBSWY3DPEHPK3PXP" } },
      },
      ConfirmTwoFactorEnrollment: { data: { confirmTwoFactorEnrollment: { backupCodes } } },
    });
    recordCanvasDrawing();
    const user = userEvent.setup();
    renderSignedIn(<TwoFactor />);
    await user.click(await screen.findByRole("button", { name: "Start enrollment" }));
    await user.type(await screen.findByLabelText("Code from the app"), "123456");
    await user.click(screen.getByRole("button", { name: "Confirm enrollment" }));
    await screen.findByRole("list", { name: "Backup codes" });

    const writeText = vi.spyOn(navigator.clipboard, "writeText");
    await user.click(screen.getByRole("button", { name: "Copy" }));
    expect(await screen.findByText("Copied.")).toBeInTheDocument();
    expect(writeText).toHaveBeenCalledWith("aaaa-1111\nbbbb-2222\ncccc-3333\n");

    writeText.mockRejectedValueOnce(new DOMException("denied", "NotAllowedError"));
    await user.click(screen.getByRole("button", { name: "Copy" }));
    expect(await screen.findByText(/refused the clipboard/)).toBeInTheDocument();
  });

  it("offers to replace a pending enrollment only when the server says one is pending", async () => {
    gatewayStandIn({
      Me: meAt(1, false),
      BeginTwoFactorEnrollment: [
        {
          status: 400,
          code: "BAD_USER_INPUT",
          message: "An enrollment is pending.",
          reason: "TWO_FACTOR_ENROLLMENT_PENDING",
        },
        { data: { beginTwoFactorEnrollment: { otpauthUri, secret: "JBSWY3DPEHPK3PXP" } } },
      ],
    });
    recordCanvasDrawing();
    const user = userEvent.setup();
    renderSignedIn(<TwoFactor />);
    expect(screen.queryByRole("button", { name: /Start over/ })).toBeNull();
    await user.click(await screen.findByRole("button", { name: "Start enrollment" }));
    await user.click(await screen.findByRole("button", { name: /Start over/ }));
    expect(await screen.findByLabelText("Code from the app")).toBeInTheDocument();
  });
});
