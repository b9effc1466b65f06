import { ConfigError } from "@rampart/kit";
import { createCors } from "../../src/perimeter/cors";

const onRefusal = () => undefined;

describe("createCors validates its origins once, naming the setting", () => {
  it.each([
    ["*", /ADMIN_ORIGINS: "\*" is a wildcard/],
    ["https://*.example.com", /wildcard/],
    ["null", /is not an origin/],
    ["admin.example.com", /is not an origin/],
    ["https://admin.example.com/", /write https:\/\/admin.example.com/],
    ["https://Admin.Example.com", /write https:\/\/admin.example.com/],
    ["https://admin.example.com:443", /write https:\/\/admin.example.com/],
    ["https://admin.example.com/app", /not an exact origin/],
    ["ftp://admin.example.com", /http or https/],
  ])("refuses %s", (origin, message) => {
    const create = () =>
      createCors({ allowedOrigins: [origin], onRefusal, setting: "ADMIN_ORIGINS" });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(message);
  });

  it("accepts exact origins, with a port when not the default", () => {
    expect(() =>
      createCors({
        allowedOrigins: ["https://admin.example.com", "http://localhost:5173"],
        onRefusal,
      }),
    ).not.toThrow();
  });

  it("names allowedOrigins when no setting is given", () => {
    expect(() => createCors({ allowedOrigins: ["*"], onRefusal })).toThrow(/allowedOrigins/);
  });

  it("refuses a negative preflight max age", () => {
    expect(() => createCors({ allowedOrigins: [], onRefusal, maxAgeSeconds: -1 })).toThrow(
      /maxAgeSeconds/,
    );
  });
});
