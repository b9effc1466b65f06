import {
  createClientIpMiddleware,
  createClientIpResolver,
  MAX_FORWARDED_HOPS,
  UNKNOWN_CLIENT_IP,
  type ClientIpRequest,
} from "../../src/perimeter/client-ip";

const request = (
  remoteAddress: string | undefined,
  forwardedFor?: string | string[],
): ClientIpRequest =>
  ({
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor },
  }) as unknown as ClientIpRequest;

const CLIENT = "203.0.113.5";
const behindProxies = createClientIpResolver({ trustedProxies: ["10.0.0.0/8", "fd00::/8"] });

describe("client IP", () => {
  it("is the socket's address, normalized, when no proxy is trusted", () => {
    const resolve = createClientIpResolver();
    expect(resolve(request("198.51.100.1", CLIENT))).toBe("198.51.100.1");
    expect(resolve(request("::ffff:198.51.100.1"))).toBe("198.51.100.1");
    expect(resolve(request("fe80::1%eth0"))).toBe("fe80::1");
    expect(resolve(request("2001:DB8::1"))).toBe("2001:db8::1");
  });

  it("is unknown (allowed by nothing) when the socket has no address", () => {
    expect(createClientIpResolver()(request(undefined))).toBe(UNKNOWN_CLIENT_IP);
    expect(behindProxies(request(undefined, CLIENT))).toBe(UNKNOWN_CLIENT_IP);
  });

  it("ignores a spoofed X-Forwarded-For from an untrusted peer", () => {
    expect(behindProxies(request("198.51.100.1", "127.0.0.1"))).toBe("198.51.100.1");
    expect(behindProxies(request("198.51.100.1", "10.0.0.7, 127.0.0.1"))).toBe("198.51.100.1");
    // Close to a trusted range is not in it.
    expect(behindProxies(request("11.0.0.1", "127.0.0.1"))).toBe("11.0.0.1");
  });

  it("takes the rightmost untrusted hop behind a chain of trusted proxies", () => {
    expect(behindProxies(request("10.0.0.1", CLIENT))).toBe(CLIENT);
    expect(behindProxies(request("10.0.0.1", `${CLIENT}, 10.0.0.2`))).toBe(CLIENT);
    expect(behindProxies(request("10.0.0.1", `${CLIENT},10.2.0.3 ,\t10.0.0.2`))).toBe(CLIENT);
    // What the client wrote itself, left of its own address, is not believed.
    expect(behindProxies(request("10.0.0.1", `127.0.0.1, 10.9.9.9, ${CLIENT}, 10.0.0.2`))).toBe(
      CLIENT,
    );
    // Trusted over IPv6, and IPv4-mapped peers and hops.
    expect(behindProxies(request("fd00::1", "2001:db8::5, fd00::2"))).toBe("2001:db8::5");
    expect(behindProxies(request("::ffff:10.0.0.1", `::ffff:${CLIENT}`))).toBe(CLIENT);
  });

  it("reads repeated X-Forwarded-For headers as one list", () => {
    expect(behindProxies(request("10.0.0.1", ["127.0.0.1", `${CLIENT}, 10.0.0.2`]))).toBe(CLIENT);
  });

  it("answers the leftmost hop when every hop is a trusted proxy", () => {
    expect(behindProxies(request("10.0.0.1", "10.0.0.3, 10.0.0.2"))).toBe("10.0.0.3");
  });

  it.each([
    ["not an address", `${CLIENT}, proxy.internal`],
    ["an empty hop", `${CLIENT},,10.0.0.2`],
    ["a trailing comma", `${CLIENT},`],
    ["only commas", ",,,"],
    ["a port", `${CLIENT}:443`],
    ["a bracketed IPv6 with a port", "[2001:db8::5]:443"],
    ["a CIDR", "203.0.113.0/24"],
    ["an octal IPv4", "010.0.0.1"],
    ["a bad IPv4-mapped address", "::ffff:999.1.1.1"],
    ["a quoted value", `"${CLIENT}"`],
    ["an empty header", ""],
    ["spaces only", "   "],
  ])("falls back to the peer for a malformed X-Forwarded-For: %s", (_name, header) => {
    expect(behindProxies(request("10.0.0.1", header))).toBe("10.0.0.1");
  });

  it("does not let garbage left of the client's hop change the answer", () => {
    expect(behindProxies(request("10.0.0.1", `garbage, ${CLIENT}`))).toBe(CLIENT);
    expect(behindProxies(request("10.0.0.1", `${"x".repeat(10_000)}, ${CLIENT}`))).toBe(CLIENT);
  });

  it("examines at most 100 hops, then falls back to the peer", () => {
    const trustedHops = (count: number) =>
      Array.from({ length: count }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    const header = (...hops: string[]) => hops.join(", ");
    expect(MAX_FORWARDED_HOPS).toBe(100);
    // The client as the 100th hop from the right is found.
    expect(behindProxies(request("10.0.0.1", header(CLIENT, ...trustedHops(99))))).toBe(CLIENT);
    // As the 101st, it is not: the peer is answered.
    expect(behindProxies(request("10.0.0.1", header(CLIENT, ...trustedHops(100))))).toBe(
      "10.0.0.1",
    );
    // 100 trusted hops and nothing else: the leftmost one; 101: the peer.
    expect(behindProxies(request("10.0.0.1", header(...trustedHops(100))))).toBe("10.0.0.0");
    expect(behindProxies(request("10.0.0.1", header(...trustedHops(101))))).toBe("10.0.0.1");
  });

  it("keeps 1,000 client-written hops from mattering (and from costing a full parse)", () => {
    const padding = Array.from({ length: 1_000 }, () => "198.51.100.9").join(", ");
    expect(behindProxies(request("10.0.0.1", `${padding}, ${CLIENT}, 10.0.0.2`))).toBe(CLIENT);
  });

  it("refuses a bad trusted proxy range at creation, naming it", () => {
    expect(() => createClientIpResolver({ trustedProxies: ["10.0.0.0/33"] })).toThrow(
      /10\.0\.0\.0\/33/,
    );
  });

  it("is stored in res.locals.clientIp by the middleware", () => {
    const res = { locals: {} as Record<string, unknown> };
    const next = jest.fn();
    createClientIpMiddleware(behindProxies)(
      request("10.0.0.1", CLIENT) as never,
      res as never,
      next,
    );
    expect(res.locals.clientIp).toBe(CLIENT);
    expect(next).toHaveBeenCalledTimes(1);
  });
});
