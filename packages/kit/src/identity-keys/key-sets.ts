import { createPublicKey, type KeyObject } from "node:crypto";
import { identityKeyId, openIdentityPrivateKey, type IdentityKeyRing } from "./ring";

/** A private key and its id: what one identity assertion is signed with. */
export interface IdentitySigningKey {
  /** {@link identityKeyId} of the key, sent as the `kid` header. */
  readonly kid: string;
  /** Ed25519 private key. */
  readonly privateKey: KeyObject;
}

/** Hands out the key to sign with now; called once per assertion, so it must be cheap. */
export interface IdentitySigner {
  /** The key to sign with at this moment. */
  current(): IdentitySigningKey;
}

/** Resolves the `kid` of an assertion to the public key that must have signed it. */
export interface IdentityKeyResolver {
  /** The key for `kid` (absent: an assertion from before key ids, the anchor's), or undefined when refused. */
  resolve(kid: string | undefined): KeyObject | undefined;
}

/**
 * The gateway's signing keys: the anchor (configured), then each rotated key of the ring from
 * its `activeFrom` on. The ring is applied with {@link update}; `current()` only compares times.
 */
export class IdentitySigningKeys implements IdentitySigner {
  readonly #anchor: IdentitySigningKey;
  readonly #anchorPrivateKey: KeyObject;
  readonly #clock: () => number;
  /** Rotated keys this process could unseal, by ascending `activeFrom`. */
  #rotated: (IdentitySigningKey & { activeFrom: number })[] = [];
  /** Unsealed keys by kid, so a ring update does not unseal the same key again. */
  readonly #opened = new Map<string, KeyObject>();

  /** `anchor`: the configured private key; `clock` in epoch ms, default `Date.now`. */
  constructor(anchor: KeyObject, clock: () => number = Date.now) {
    this.#anchorPrivateKey = anchor;
    this.#anchor = { kid: identityKeyId(anchor), privateKey: anchor };
    this.#clock = clock;
  }

  /**
   * Applies a verified ring. A key that does not unseal is left out (and reported through
   * `onUnusable`), so the gateway keeps signing with a key the subgraphs accept.
   */
  update(ring: IdentityKeyRing | null, onUnusable: (kid: string) => void = () => {}): void {
    const rotated: (IdentitySigningKey & { activeFrom: number })[] = [];
    for (const key of ring?.keys ?? []) {
      let privateKey = this.#opened.get(key.kid);
      if (!privateKey) {
        try {
          privateKey = openIdentityPrivateKey(
            key.sealedPrivateKey,
            key.kid,
            this.#anchorPrivateKey,
          );
        } catch {
          onUnusable(key.kid);
          continue;
        }
        this.#opened.set(key.kid, privateKey);
      }
      rotated.push({ kid: key.kid, privateKey, activeFrom: key.activeFrom });
    }
    this.#rotated = rotated.sort((a, b) => a.activeFrom - b.activeFrom);
  }

  current(): IdentitySigningKey {
    const now = this.#clock();
    for (let index = this.#rotated.length - 1; index >= 0; index--) {
      if (this.#rotated[index].activeFrom <= now) return this.#rotated[index];
    }
    return this.#anchor;
  }
}

interface AcceptedKey {
  readonly key: KeyObject;
  /** Epoch ms after which it is refused; null: no end. */
  readonly until: number | null;
}

/**
 * A subgraph's verification keys: the anchor (configured public key) until the ring retires it,
 * and each rotated key of the ring from publication until its `retireAt`. A lookup is a map
 * read and a time comparison: verification stays on the hot path without a round trip.
 */
export class IdentityVerificationKeys implements IdentityKeyResolver {
  readonly #anchorKid: string;
  readonly #anchor: KeyObject;
  readonly #clock: () => number;
  #accepted = new Map<string, AcceptedKey>();

  /** `anchor`: the configured public key; `clock` in epoch ms, default `Date.now`. */
  constructor(anchor: KeyObject, clock: () => number = Date.now) {
    this.#anchor = anchor;
    this.#anchorKid = identityKeyId(anchor);
    this.#clock = clock;
    this.update(null);
  }

  /** Applies a verified ring (null: none published, only the anchor). */
  update(ring: IdentityKeyRing | null): void {
    const accepted = new Map<string, AcceptedKey>();
    accepted.set(this.#anchorKid, { key: this.#anchor, until: ring?.anchorAcceptedUntil ?? null });
    for (const key of ring?.keys ?? []) {
      if (key.kid === this.#anchorKid) continue;
      try {
        accepted.set(key.kid, { key: createPublicKey(key.publicKeyPem), until: key.retireAt });
      } catch {
        // A malformed public key verifies nothing; the rest of the ring still applies.
      }
    }
    this.#accepted = accepted;
  }

  resolve(kid: string | undefined): KeyObject | undefined {
    const accepted = this.#accepted.get(kid ?? this.#anchorKid);
    if (!accepted) return undefined;
    if (accepted.until !== null && this.#clock() > accepted.until) return undefined;
    return accepted.key;
  }
}
