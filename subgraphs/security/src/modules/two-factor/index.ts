/** Two-factor authentication (TOTP and backup codes): services and entities, no resolvers. */
export {
  BACKUP_CODE_ALPHABET,
  BACKUP_CODE_LENGTH,
  generateBackupCodes,
  hashBackupCode,
  normalizeBackupCode,
  verifyBackupCode,
} from "./backup-codes";
export { SecretBox, SecretBoxError, secretBoxKeyId } from "@rampart/kit";
export {
  resealTwoFactorSecrets,
  type TwoFactorResealOptions,
  type TwoFactorResealReport,
} from "./key-rotation";
export {
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  generateTotpSecret,
  isWellFormedCode,
  totpUri,
  verifyTotp,
  type TotpUriOptions,
} from "./totp";
export { BackupCode, TwoFactorCredential } from "./two-factor.entity";
export { TwoFactorErrors, TwoFactorReason, twoFactorReasonOf } from "./two-factor.errors";
export {
  TwoFactorService,
  type AttemptGuard,
  type EnrollmentStart,
  type IssuedBackupCodes,
  type TwoFactorServiceOptions,
  type TwoFactorStatus,
} from "./two-factor.service";
export {
  configuredTwoFactorKeys,
  TWO_FACTOR_DEV_SECRET,
  twoFactorConfigShape,
  type TwoFactorConfig,
} from "./two-factor.config";
export {
  createTwoFactorServices,
  twoFactorSecretBox,
  type TwoFactorContext,
  type TwoFactorModuleConfig,
  type TwoFactorServices,
} from "./two-factor.module";
