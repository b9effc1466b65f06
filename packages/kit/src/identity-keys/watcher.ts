import type { KeyObject } from "node:crypto";
import type { Logger } from "pino";
import type { Stores, Unsubscribe } from "../stores/types";
import {
  IDENTITY_KEY_RING_CHANNEL,
  IDENTITY_KEY_RING_KEY,
  parseIdentityKeyRing,
  type IdentityKeyRing,
} from "./ring";

/** How often a process re-reads the key ring without an announcement, in ms. */
export const IDENTITY_KEY_RING_REFRESH_MS = 30_000;

/** Options for {@link watchIdentityKeyRing}. */
export interface IdentityKeyRingWatchOptions {
  /** The shared stores the ring is published in. */
  stores: Pick<Stores, "kv" | "pubsub">;
  /** The configured (anchor) public key: only a ring it signed is believed. */
  anchorPublicKey: KeyObject;
  /** Called with each ring read (null when none is published). */
  onRing(ring: IdentityKeyRing | null): void;
  /** Process logger. */
  logger: Logger;
  /**
   * Re-read this often even without an announcement (a missed message, a Redis restart), in
   * ms; 0 turns it off. Default {@link IDENTITY_KEY_RING_REFRESH_MS}.
   */
  refreshIntervalMs?: number;
  /** How long {@link IdentityKeyRingWatch.ready} waits for the stores, in ms. Default 2 000. */
  startTimeoutMs?: number;
}

/** A running watch of the key ring. */
export interface IdentityKeyRingWatch {
  /** Subscribes, then reads the ring once; never rejects (the anchor alone stays in force). */
  ready(): Promise<void>;
  /** Stops listening. */
  close(): Promise<void>;
}

/**
 * Keeps a process's identity keys in step with the published ring: subscribed to
 * {@link IDENTITY_KEY_RING_CHANNEL} before the first read (so no rotation falls between the
 * two), re-read on every announcement and periodically. When the stores cannot be read, or
 * hold a ring the anchor did not sign or one older than the ring in force (a replay), the keys
 * in force stay as they are.
 */
export function watchIdentityKeyRing(options: IdentityKeyRingWatchOptions): IdentityKeyRingWatch {
  const { stores, anchorPublicKey, onRing, logger } = options;
  const refreshIntervalMs = options.refreshIntervalMs ?? IDENTITY_KEY_RING_REFRESH_MS;
  const startTimeoutMs = options.startTimeoutMs ?? 2_000;
  let unsubscribe: Unsubscribe | null = null;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let lastText: string | null | undefined;
  /** `issuedAt` of the ring in force: an older one is a replay and is refused. */
  let issuedAtInForce = -Infinity;

  async function load(): Promise<void> {
    if (closed) return;
    let text: string | null;
    try {
      text = await stores.kv.get(IDENTITY_KEY_RING_KEY);
    } catch (error) {
      logger.error(
        { err: error },
        "could not read the identity key ring; keeping the keys in force",
      );
      return;
    }
    if (text === lastText) return;
    let ring: IdentityKeyRing | null = null;
    if (text !== null) {
      try {
        ring = parseIdentityKeyRing(text, anchorPublicKey);
      } catch (error) {
        logger.error(
          { reason: (error as Error).message },
          "the stored identity key ring is refused; keeping the keys in force",
        );
        return;
      }
      // Anyone who can write the stores can write back a ring the anchor signed earlier, in
      // which a key since retired (perhaps because it leaked) is still accepted.
      if (ring.issuedAt < issuedAtInForce) {
        logger.error(
          { issuedAt: ring.issuedAt, inForce: issuedAtInForce },
          "the stored identity key ring is older than the one in force (a replay); keeping the keys in force",
        );
        return;
      }
      issuedAtInForce = ring.issuedAt;
    }
    lastText = text;
    onRing(ring);
    logger.info({ keys: ring?.keys.map((key) => key.kid) ?? [] }, "identity key ring applied");
  }

  let tail: Promise<void> = Promise.resolve();
  const refresh = (): Promise<void> => (tail = tail.then(load));

  async function subscribe(): Promise<void> {
    if (unsubscribe || closed) return;
    try {
      const stop = await stores.pubsub.subscribe(IDENTITY_KEY_RING_CHANNEL, () => void refresh());
      if (closed) await stop();
      else unsubscribe = stop;
    } catch (error) {
      logger.error({ err: error }, "could not subscribe to identity key ring changes; will retry");
    }
  }

  return {
    async ready() {
      // Bounded: with the stores down at start, the anchor alone is in force until they return.
      let timeout: NodeJS.Timeout | undefined;
      const started = subscribe().then(refresh);
      await Promise.race([
        started,
        new Promise<void>((resolve) => {
          timeout = setTimeout(() => {
            logger.error(
              "identity key ring unavailable at start: the configured key alone is in force",
            );
            resolve();
          }, startTimeoutMs);
        }),
      ]);
      clearTimeout(timeout);
      if (refreshIntervalMs > 0 && !closed && timer === undefined) {
        timer = setInterval(() => {
          void subscribe().then(refresh);
        }, refreshIntervalMs);
        timer.unref();
      }
    },
    async close() {
      closed = true;
      clearInterval(timer);
      const stop = unsubscribe;
      unsubscribe = null;
      await stop?.();
    },
  };
}
