import type { Identity } from "@rampart/kit";
import type { RequestBudget } from "./perimeter/rate-limit";

/** Per-request state the gateway hands to Apollo and its data sources. */
export interface GatewayContext {
  /** The authenticated (or anonymous) caller. */
  readonly identity: Identity;
  /** Client address, from the socket. */
  readonly ip: string;
  /** The request budgets admission drew on; absent only if admission did not run. */
  readonly budget?: RequestBudget;
}
