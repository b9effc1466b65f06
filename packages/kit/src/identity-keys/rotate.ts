import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { IDENTITY_TTL_SECONDS } from "../identity";
import type { Stores } from "../stores/types";
import { IDENTITY_KEY_RING_REFRESH_MS } from "./watcher";
import {
  IDENTITY_KEY_RING_CHANNEL,
  IDENTITY_KEY_RING_KEY,
  identityKeyId,
  parseIdentityKeyRing,
  sealIdentityPrivateKey,
  serializeIdentityKeyRing,
  type IdentityKeyRing,
  type IdentityRingKey,
} from "./ring";

/**
 * Default wait between publishing a key and signing with it: longer than the periodic re-read,
 * so even a process that missed the announcement (its subscriber was reconnecting) has read
 * the key by then. A shorter `propagationMs` relies on the announcement alone.
 */
export const DEFAULT_IDENTITY_PROPAGATION_MS = IDENTITY_KEY_RING_REFRESH_MS + 5_000;

/**
 * Default time the previous key stays accepted after the switch: an assertion it signed just
 * before lives {@link IDENTITY_TTL_SECONDS}, and clocks may differ by a few seconds.
 */
export const DEFAULT_IDENTITY_OVERLAP_MS = (IDENTITY_TTL_SECONDS + 30) * 1000;

/** Options for {@link rotateIdentityKey}. */
export interface IdentityKeyRotationOptions {
  /** The shared stores the ring lives in. */
  stores: Pick<Stores, "kv" | "pubsub">;
  /** The configured (anchor) private key: signs the ring, seals the new private key. */
  anchor: KeyObject;
  /** Wait between publication and the gateways' switch, ms. Default {@link DEFAULT_IDENTITY_PROPAGATION_MS}. */
  propagationMs?: number;
  /** How long the previous signer stays accepted after the switch, ms. Default {@link DEFAULT_IDENTITY_OVERLAP_MS}. */
  overlapMs?: number;
  /** Epoch ms; default `Date.now`. */
  clock?: () => number;
}

/** What a rotation did. */
export interface IdentityKeyRotation {
  /** The new key's id. */
  readonly kid: string;
  /** The key signing until the switch (now retiring). */
  readonly previousKid: string;
  /** When gateways start signing with the new key, epoch ms. */
  readonly activeFrom: number;
  /** When subgraphs stop accepting the previous key, epoch ms. */
  readonly previousRetireAt: number;
}

/**
 * Rotates the gateway's identity key: a new Ed25519 pair is published in the ring (public key
 * for the subgraphs, private key sealed for the gateways) to be used from `now + propagation`,
 * and the key signing until then is retired `overlap` after that switch. Keys retired in the
 * past are dropped. Written by compare-and-set (a concurrent rotation makes this one read again)
 * and announced on {@link IDENTITY_KEY_RING_CHANNEL}. A rotation started before the previous
 * one's switch is refused: the pending key would be retired before it ever signed.
 */
export async function rotateIdentityKey(
  options: IdentityKeyRotationOptions,
): Promise<IdentityKeyRotation> {
  const { stores, anchor } = options;
  const clock = options.clock ?? Date.now;
  const propagationMs = options.propagationMs ?? DEFAULT_IDENTITY_PROPAGATION_MS;
  const overlapMs = options.overlapMs ?? DEFAULT_IDENTITY_OVERLAP_MS;
  const anchorPublicKey = createPublicKey(anchor);
  const anchorKid = identityKeyId(anchorPublicKey);
  const pair = generateKeyPairSync("ed25519");
  const kid = identityKeyId(pair.publicKey);
  for (;;) {
    const text = await stores.kv.get(IDENTITY_KEY_RING_KEY);
    // A ring the anchor did not sign is replaced: processes refuse it anyway.
    let ring: IdentityKeyRing | null = null;
    if (text !== null) {
      try {
        ring = parseIdentityKeyRing(text, anchorPublicKey);
      } catch {
        ring = null;
      }
    }
    const now = clock();
    const keys = ring?.keys ?? [];
    const pending = keys.find((key) => key.activeFrom > now);
    if (pending) {
      throw new Error(
        `key ${pending.kid} becomes the signer at ${new Date(pending.activeFrom).toISOString()}: rotate again after that`,
      );
    }
    const signing = keys.filter((key) => key.retireAt === null).at(-1);
    const activeFrom = now + propagationMs;
    const previousRetireAt = activeFrom + overlapMs;
    const kept: IdentityRingKey[] = keys
      .filter((key) => key.retireAt === null || key.retireAt > now)
      .map((key) => (key === signing ? { ...key, retireAt: previousRetireAt } : key));
    kept.push({
      kid,
      publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
      sealedPrivateKey: sealIdentityPrivateKey(pair.privateKey, kid, anchor),
      activeFrom,
      retireAt: null,
    });
    const next: IdentityKeyRing = {
      issuedAt: now,
      anchorKid,
      anchorAcceptedUntil: signing ? (ring?.anchorAcceptedUntil ?? null) : previousRetireAt,
      keys: kept,
    };
    const written = await stores.kv.compareAndSet(
      IDENTITY_KEY_RING_KEY,
      text,
      serializeIdentityKeyRing(next, anchor),
    );
    if (!written) continue;
    await stores.pubsub.publish(IDENTITY_KEY_RING_CHANNEL, kid);
    return { kid, previousKid: signing?.kid ?? anchorKid, activeFrom, previousRetireAt };
  }
}
