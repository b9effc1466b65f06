import http from "node:http";
import { Socket } from "node:net";
import type { Request, Response } from "express";
import {
  clearSiteData,
  createSecurityHeaders,
  owaspPermissionsPolicy,
  type SecurityHeadersOptions,
} from "../../src/perimeter/security-headers";

/** Runs the middleware on an in-process response and returns the headers it ends up with. */
function headersAfter(options?: SecurityHeadersOptions): http.OutgoingHttpHeaders {
  const res = new http.ServerResponse(new http.IncomingMessage(new Socket()));
  res.setHeader("X-Powered-By", "Express");
  res.setHeader("Server", "node");
  const next = jest.fn();
  createSecurityHeaders(options)({} as Request, res as unknown as Response, next);
  expect(next).toHaveBeenCalledWith();
  return res.getHeaders();
}

describe("createSecurityHeaders", () => {
  it("sets the OWASP defaults and the strict API CSP, and removes Server and X-Powered-By", () => {
    expect(headersAfter()).toEqual({
      "content-security-policy":
        "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
      "cross-origin-embedder-policy": "require-corp",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-resource-policy": "same-origin",
      "origin-agent-cluster": "?1",
      "referrer-policy": "no-referrer",
      "strict-transport-security": "max-age=31536000; includeSubDomains",
      "x-content-type-options": "nosniff",
      "x-dns-prefetch-control": "off",
      "x-download-options": "noopen",
      "x-frame-options": "DENY",
      "x-permitted-cross-domain-policies": "none",
      "x-xss-protection": "0",
      "permissions-policy": owaspPermissionsPolicy,
      "cache-control": "no-store, max-age=0",
    });
  });

  it("denies every powerful feature in Permissions-Policy (OWASP list)", () => {
    const features = owaspPermissionsPolicy.split(", ");
    expect(features).toHaveLength(29);
    expect(features.filter((feature) => !feature.endsWith("=()"))).toEqual(["sync-xhr=(self)"]);
  });

  it("applies overrides by any-case name; null leaves a header out", () => {
    const headers = headersAfter({
      overrides: {
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
        "x-xss-protection": null,
      },
    });
    expect(headers["strict-transport-security"]).toBe(
      "max-age=63072000; includeSubDomains; preload",
    );
    expect(headers).not.toHaveProperty("x-xss-protection");
  });

  it("fails at creation on a bad override or CSP, not per request", () => {
    expect(() => createSecurityHeaders({ overrides: { "bad name": "x" } })).toThrow();
    expect(() =>
      createSecurityHeaders({ overrides: { "x-frame-options": "DENY\r\nSet-Cookie: a=b" } }),
    ).toThrow();
    expect(() => createSecurityHeaders({ overrides: { Server: "rampart" } })).toThrow(
      /always removed/,
    );
    expect(() =>
      createSecurityHeaders({ contentSecurityPolicy: { "default-src": ["self"] } }),
    ).toThrow();
  });
});

describe("clearSiteData", () => {
  it("asks the browser to clear cache, cookies and storage", () => {
    const res = new http.ServerResponse(new http.IncomingMessage(new Socket()));
    clearSiteData(res);
    expect(res.getHeader("clear-site-data")).toBe('"cache","cookies","storage"');
  });
});
