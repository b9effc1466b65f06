import { generateKeyPairSync } from "node:crypto";
import { decodeProtectedHeader } from "jose";
import {
  anonymousIdentity,
  IDENTITY_KEY_RING_KEY,
  IdentitySigningKeys,
  IdentityVerificationKeys,
  identityKeyId,
  parseIdentityKeyRing,
  rotateIdentityKey,
  serializeIdentityKeyRing,
  signIdentity,
  verifyAssertion,
  type IdentityKeyRing,
} from "../../src";
import { createMemoryStores } from "../../src/stores";

// Rotation of the gateway's identity key, in process: the ring only its anchor can write, the
// signer that switches at `activeFrom`, the verifier that accepts both keys until `retireAt`.

const anchor = generateKeyPairSync("ed25519");
const stranger = generateKeyPairSync("ed25519");
const operation = { query: "{ me { id } }" };
const identity = anonymousIdentity("req-1");

const stores = createMemoryStores();
afterAll(() => stores.close());

async function storedRing(): Promise<IdentityKeyRing> {
  return parseIdentityKeyRing(
    (await stores.kv.get(IDENTITY_KEY_RING_KEY)) as string,
    anchor.publicKey,
  );
}

const expectRefused = (promise: Promise<unknown>) =>
  expect(promise).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });

describe("identity key ids", () => {
  it("puts the key id in the assertion's header, the same for the private and the public key", () => {
    const assertion = signIdentity(identity, "security", anchor.privateKey, operation);
    expect(decodeProtectedHeader(assertion).kid).toBe(identityKeyId(anchor.publicKey));
    expect(identityKeyId(anchor.privateKey)).toBe(identityKeyId(anchor.publicKey));
    expect(identityKeyId(stranger.publicKey)).not.toBe(identityKeyId(anchor.publicKey));
  });
});

describe("the identity key ring", () => {
  it("is believed only when the configured key signed it", () => {
    const ring: IdentityKeyRing = {
      issuedAt: 1,
      anchorKid: identityKeyId(anchor.publicKey),
      anchorAcceptedUntil: null,
      keys: [],
    };
    const text = serializeIdentityKeyRing(ring, anchor.privateKey);
    expect(parseIdentityKeyRing(text, anchor.publicKey)).toEqual(ring);
    // Written by someone with access to the stores but not to the configured key.
    const forged = serializeIdentityKeyRing(
      { ...ring, anchorKid: identityKeyId(anchor.publicKey) },
      stranger.privateKey,
    );
    expect(() => parseIdentityKeyRing(forged, anchor.publicKey)).toThrow(/not signed/);
    // Altered after signing.
    const stored = JSON.parse(text) as { ring: string; signature: string };
    const altered = JSON.stringify({
      ...stored,
      ring: stored.ring.replace('"anchorAcceptedUntil":null', '"anchorAcceptedUntil":9'),
    });
    expect(() => parseIdentityKeyRing(altered, anchor.publicKey)).toThrow(/not signed/);
    expect(() => parseIdentityKeyRing("{}", anchor.publicKey)).toThrow();
  });

  it("rotates: published first, signed with after the propagation, the old key retired after the overlap", async () => {
    let now = 1_000_000;
    const clock = () => now;
    const signer = new IdentitySigningKeys(anchor.privateKey, clock);
    const verifier = new IdentityVerificationKeys(anchor.publicKey, clock);
    const rotation = await rotateIdentityKey({
      stores,
      anchor: anchor.privateKey,
      propagationMs: 5_000,
      overlapMs: 90_000,
      clock,
    });
    expect(rotation).toEqual({
      kid: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
      previousKid: identityKeyId(anchor.publicKey),
      activeFrom: now + 5_000,
      previousRetireAt: now + 95_000,
    });
    const ring = await storedRing();
    signer.update(ring);
    verifier.update(ring);

    // Before the switch: the anchor signs, and the subgraphs already accept the new key.
    const beforeSwitch = signIdentity(identity, "security", signer, operation);
    expect(decodeProtectedHeader(beforeSwitch).kid).toBe(identityKeyId(anchor.publicKey));
    expect(verifier.resolve(rotation.kid)).toBeDefined();

    now += 5_000;
    const afterSwitch = signIdentity(identity, "security", signer, operation);
    expect(decodeProtectedHeader(afterSwitch).kid).toBe(rotation.kid);
    await expect(verifyAssertion(afterSwitch, "security", verifier)).resolves.toBeDefined();
    // An assertion the anchor signed just before the switch is still accepted.
    await expect(verifyAssertion(beforeSwitch, "security", verifier)).resolves.toBeDefined();

    // After the overlap the anchor is refused, with or without a kid; the new key is not.
    now += 90_001;
    expect(verifier.resolve(identityKeyId(anchor.publicKey))).toBeUndefined();
    expect(verifier.resolve(undefined)).toBeUndefined();
    expect(verifier.resolve(rotation.kid)).toBeDefined();

    // A second rotation retires the first rotated key and keeps the anchor retired.
    const second = await rotateIdentityKey({
      stores,
      anchor: anchor.privateKey,
      propagationMs: 1_000,
      overlapMs: 10_000,
      clock,
    });
    expect(second.previousKid).toBe(rotation.kid);
    const next = await storedRing();
    expect(next.anchorAcceptedUntil).toBe(rotation.previousRetireAt);
    verifier.update(next);
    signer.update(next);
    now += 1_000;
    expect(signer.current().kid).toBe(second.kid);
    now += 10_001;
    expect(verifier.resolve(rotation.kid)).toBeUndefined();
    expect(verifier.resolve(second.kid)).toBeDefined();
    // A kid nobody published is refused.
    expect(verifier.resolve(identityKeyId(stranger.publicKey))).toBeUndefined();
    await expectRefused(
      verifyAssertion(
        signIdentity(identity, "security", stranger.privateKey, operation),
        "security",
        verifier,
      ),
    );
  });

  it("refuses a rotation while the previous one has not switched yet", async () => {
    const local = createMemoryStores();
    try {
      const now = 5_000_000;
      await rotateIdentityKey({ stores: local, anchor: anchor.privateKey, clock: () => now });
      await expect(
        rotateIdentityKey({ stores: local, anchor: anchor.privateKey, clock: () => now + 1 }),
      ).rejects.toThrow(/rotate again after/);
    } finally {
      await local.close();
    }
  });

  it("lets one of two concurrent rotations win (compare-and-set), never both", async () => {
    const local = createMemoryStores();
    try {
      const outcomes = await Promise.allSettled(
        [0, 1, 2].map(() => rotateIdentityKey({ stores: local, anchor: anchor.privateKey })),
      );
      const won = outcomes.filter((outcome) => outcome.status === "fulfilled");
      expect(won).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === "rejected")
          expect(String(outcome.reason)).toMatch(/rotate again after/);
      }
      const ring = parseIdentityKeyRing(
        (await local.kv.get(IDENTITY_KEY_RING_KEY)) as string,
        anchor.publicKey,
      );
      expect(ring.keys.map((key) => key.kid)).toEqual([
        (won[0] as PromiseFulfilledResult<{ kid: string }>).value.kid,
      ]);
    } finally {
      await local.close();
    }
  });

  it("seals the rotated private key: a gateway with another configured key cannot use it", async () => {
    const local = createMemoryStores();
    try {
      let unusable: string[] = [];
      await rotateIdentityKey({ stores: local, anchor: anchor.privateKey, propagationMs: 0 });
      const text = (await local.kv.get(IDENTITY_KEY_RING_KEY)) as string;
      expect(text).not.toContain("PRIVATE KEY");
      const ring = parseIdentityKeyRing(text, anchor.publicKey);
      const otherGateway = new IdentitySigningKeys(stranger.privateKey);
      otherGateway.update(ring, (kid) => (unusable = [...unusable, kid]));
      expect(unusable).toEqual([ring.keys[0].kid]);
      expect(otherGateway.current().kid).toBe(identityKeyId(stranger.publicKey));
    } finally {
      await local.close();
    }
  });
});
