import {
  AuditChainVerifier,
  chainHash,
  checkPin,
  GENESIS_HASH,
  type ChainLink,
} from "../../src/audit-chain";

/** A valid chain of `count` links. */
function chain(count: number): ChainLink[] {
  const links: ChainLink[] = [];
  let previousHash = GENESIS_HASH;
  for (let sequence = 1; sequence <= count; sequence += 1) {
    const fields = {
      sequence,
      id: `00000000-0000-4000-8000-00000000000${sequence}`,
      type: "authentication.failed",
      severity: "medium",
      actorId: null,
      organizationId: "org_demo_acme",
      ip: "198.51.100.7",
      reason: `reason ${sequence}`,
      requestId: null,
      occurredAt: new Date(Date.UTC(2030, 0, 1, 0, 0, sequence)),
      previousHash,
    };
    const hash = chainHash(fields);
    links.push({ ...fields, hash });
    previousHash = hash;
  }
  return links;
}

const verify = (links: readonly ChainLink[], from: ChainLink | null = null) => {
  const verifier = new AuditChainVerifier(from);
  for (const link of links) if (!verifier.check(link)) break;
  return verifier.verdict();
};

describe("audit chain", () => {
  it("verifies a whole chain, and one going on from a verified link", () => {
    const links = chain(4);
    expect(verify(links)).toEqual({ ok: true, count: 4 });
    expect(verify(links.slice(2), links[1])).toEqual({ ok: true, count: 2 });
  });

  it("hashes every field: changing any one changes the hash", () => {
    const [link] = chain(1);
    const changed = [
      { type: "x" },
      { severity: "x" },
      { actorId: "x" },
      { organizationId: null },
      { ip: null },
      { reason: "x" },
      { requestId: "x" },
      { occurredAt: new Date(0) },
      { previousHash: "1".repeat(64) },
    ];
    for (const change of changed) expect(chainHash({ ...link, ...change })).not.toBe(link.hash);
  });

  it("names an altered link, the link after a gap, and a predecessor rewritten with its hash", () => {
    const links = chain(4);
    expect(verify([links[0], { ...links[1], reason: "edited" }, ...links.slice(2)])).toEqual({
      ok: false,
      firstBadEventId: links[1].id,
      sequence: 2,
      problem: "altered",
    });
    expect(verify([links[0], ...links.slice(2)])).toMatchObject({
      firstBadEventId: links[2].id,
      problem: "removed",
    });
    const rewritten = { ...links[1], reason: "edited" };
    rewritten.hash = chainHash(rewritten);
    expect(verify([links[0], rewritten, ...links.slice(2)])).toMatchObject({
      firstBadEventId: links[1].id,
      problem: "altered",
    });
  });

  it("checks a pinned link: kept, gone, replaced or stored with another hash", () => {
    const [pin, other] = chain(2);
    expect(checkPin(pin, pin)).toBeNull();
    expect(checkPin(pin, null)).toEqual({
      ok: false,
      firstBadEventId: pin.id,
      sequence: 1,
      problem: "removed",
    });
    expect(checkPin(pin, { ...other, sequence: 1 })).toMatchObject({ problem: "removed" });
    expect(checkPin(pin, { ...pin, hash: "f".repeat(64) })).toMatchObject({ problem: "altered" });
  });
});
