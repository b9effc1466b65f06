import { generateKeyPairSync } from "node:crypto";
import pino from "pino";
import {
  IDENTITY_KEY_RING_CHANNEL,
  IDENTITY_KEY_RING_KEY,
  IdentityVerificationKeys,
  rotateIdentityKey,
  watchIdentityKeyRing,
  type IdentityKeyRingWatch,
} from "../../src";
import { storeImplementations } from "../../src/testing";
import type { Stores } from "../../src/stores";

// An attacker with write access to the shared stores (a leaked Redis password, the ACL user of
// any one subgraph) but not to the anchor key: it cannot forge a ring, but it can write back a
// ring the anchor signed earlier. Replaying an old ring must not bring a retired key back.

const anchor = generateKeyPairSync("ed25519");

describe.each(storeImplementations())("the identity key ring on $name stores", ({ create }) => {
  let stores: Stores;
  let watch: IdentityKeyRingWatch;
  let clock = Date.now();
  const verifier = new IdentityVerificationKeys(anchor.publicKey, () => clock);

  beforeAll(async () => {
    stores = create();
    watch = watchIdentityKeyRing({
      stores,
      anchorPublicKey: anchor.publicKey,
      onRing: (ring) => verifier.update(ring),
      logger: pino({ level: "silent" }),
      refreshIntervalMs: 0,
    });
    await watch.ready();
  });

  afterAll(async () => {
    await watch.close();
    await stores.close();
  });

  /** Announces a change and waits until the watcher has re-read the ring. */
  async function announce(): Promise<void> {
    await stores.pubsub.publish(IDENTITY_KEY_RING_CHANNEL, "changed");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  it("refuses a replayed older ring that would accept a retired key again", async () => {
    const first = await rotateIdentityKey({
      stores,
      anchor: anchor.privateKey,
      propagationMs: 0,
      overlapMs: 1_000,
      clock: () => clock,
    });
    const olderRing = (await stores.kv.get(IDENTITY_KEY_RING_KEY)) as string;
    await announce();
    expect(verifier.resolve(first.kid)).toBeDefined();

    // A second rotation retires the first key (suspected leaked) after its overlap.
    clock += 10;
    await rotateIdentityKey({
      stores,
      anchor: anchor.privateKey,
      propagationMs: 0,
      overlapMs: 1_000,
      clock: () => clock,
    });
    await announce();
    clock += 5_000;
    expect(verifier.resolve(first.kid)).toBeUndefined();

    // The attacker writes the older, genuinely signed ring back and announces it.
    await stores.kv.set(IDENTITY_KEY_RING_KEY, olderRing);
    await announce();
    expect(verifier.resolve(first.kid)).toBeUndefined();
  });
});
