import type { Identity } from "@rampart/kit";

/** Per-request state the gateway hands to Apollo and its data sources. */
export interface GatewayContext {
  /** The authenticated (or anonymous) caller. */
  readonly identity: Identity;
  /** Client address, from the socket. */
  readonly ip: string;
}
