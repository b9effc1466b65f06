/** Identity key rotation: the signed key ring, the signing and verification key sets, the watch. */
export {
  IDENTITY_KEY_RING_CHANNEL,
  IDENTITY_KEY_RING_KEY,
  identityKeyId,
  openIdentityPrivateKey,
  parseIdentityKeyRing,
  sealIdentityPrivateKey,
  serializeIdentityKeyRing,
  type IdentityKeyRing,
  type IdentityRingKey,
} from "./ring";
export {
  IdentitySigningKeys,
  IdentityVerificationKeys,
  type IdentityKeyResolver,
  type IdentitySigner,
  type IdentitySigningKey,
} from "./key-sets";
export {
  IDENTITY_KEY_RING_REFRESH_MS,
  watchIdentityKeyRing,
  type IdentityKeyRingWatch,
  type IdentityKeyRingWatchOptions,
} from "./watcher";
export {
  DEFAULT_IDENTITY_OVERLAP_MS,
  DEFAULT_IDENTITY_PROPAGATION_MS,
  rotateIdentityKey,
  type IdentityKeyRotation,
  type IdentityKeyRotationOptions,
} from "./rotate";
