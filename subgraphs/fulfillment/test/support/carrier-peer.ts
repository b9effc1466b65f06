import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** A call the carrier received. */
export interface CarrierCall {
  readonly idempotencyKey: string | undefined;
  readonly authorization: string | undefined;
  readonly reference: string;
}

/** A local HTTP carrier speaking the API `CarrierProvider` calls, honouring idempotency keys. */
export interface CarrierPeer {
  /** API base URL. */
  readonly url: string;
  /** Every call to `POST /shipments`, in order. */
  readonly calls: CarrierCall[];
  /** Shipments created, by idempotency key (one per key, however often it is asked). */
  readonly created: Map<string, { id: string; trackingNumber: string }>;
  /** Answers the next calls for order `orderId` with these statuses, then creates it. */
  script(orderId: string, ...statuses: number[]): void;
  /** Holds the next call for order `orderId` open for `ms` before answering (a slow carrier). */
  delay(orderId: string, ms: number): void;
  /** Called with the shipment reference of each call as it arrives. */
  onRequest: ((reference: string) => void) | undefined;
  /** Signs a status update as the carrier's webhook would (Standard Webhooks headers + body). */
  signedUpdate(
    secret: string,
    providerShipmentId: string,
    status: string,
    timestamp?: Date,
  ): { body: string; headers: Record<string, string> };
  close(): Promise<void>;
}

/** Starts a carrier on a free port; requests without the bearer `apiKey` get 401. */
export async function startCarrierPeer(apiKey: string): Promise<CarrierPeer> {
  const calls: CarrierCall[] = [];
  const created = new Map<string, { id: string; trackingNumber: string }>();
  const scripts = new Map<string, number[]>();
  const delays = new Map<string, number>();
  let onRequest: ((reference: string) => void) | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const answer = (status: number, body: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.method !== "POST" || req.url !== "/shipments") return answer(404, {});
      const { reference, orderId } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        reference: string;
        orderId: string;
      };
      const idempotencyKey = req.headers["idempotency-key"] as string | undefined;
      calls.push({ idempotencyKey, authorization: req.headers.authorization, reference });
      onRequest?.(reference);
      if (req.headers.authorization !== `Bearer ${apiKey}`) return answer(401, {});
      const scripted = scripts.get(orderId)?.shift();
      if (scripted) return answer(scripted, { error: `scripted ${scripted}` });
      if (!idempotencyKey) return answer(400, { error: "Idempotency-Key is required" });
      // Created on receipt, whatever happens to the answer (the caller may die waiting).
      const existing = created.get(idempotencyKey);
      const shipment = existing ?? {
        id: `car_${randomUUID()}`,
        trackingNumber: `TRK${calls.length}`,
      };
      if (!existing) created.set(idempotencyKey, shipment);
      const delay = delays.get(orderId);
      delays.delete(orderId);
      // unref: a call held for a caller that died keeps no test process alive.
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay).unref());
      if (!res.writable) return undefined;
      return answer(existing ? 200 : 201, shipment);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    created,
    script: (orderId, ...statuses) => scripts.set(orderId, statuses),
    delay: (orderId, ms) => delays.set(orderId, ms),
    get onRequest() {
      return onRequest;
    },
    set onRequest(hook) {
      onRequest = hook;
    },
    signedUpdate(secret, providerShipmentId, status, timestamp = new Date()) {
      const body = JSON.stringify({
        type: "shipment.status_changed",
        data: { shipmentId: providerShipmentId, status },
      });
      const id = `msg_${randomUUID()}`;
      return {
        body,
        headers: {
          "content-type": "application/json",
          "webhook-id": id,
          "webhook-timestamp": Math.floor(timestamp.getTime() / 1000).toString(),
          "webhook-signature": new Webhook(secret).sign(id, timestamp, body),
        },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `read` every 100 ms until it returns something truthy. */
export async function poll<T>(
  read: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  what = "a condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
