import type { Clock } from "../core/clock";
import type { BatchParts } from "./batch";
import type { CircuitBreaker } from "./breaker";
import type { RateLimiter, Reservations } from "./caps";
import type { Spend } from "./spend";
import type { GateMeta } from "./storage";
import type { TokenCache } from "./tokens";
import type { Connections } from "./transport";

/** The pieces of one BuyerGate that its modules (attempt, status, probe) work with. */
export interface GateParts {
  env: Env;
  clock: Clock;
  meta: GateMeta;
  breaker: CircuitBreaker;
  reservations: Reservations;
  /** Revenue caps and prepaid balance (issue 13). */
  spend: Spend;
  rate: RateLimiter;
  tokens: TokenCache;
  connections: Connections;
  /** Issue 16: leads collected for a batch job or an e-mail digest, and the alarm entry that sends them (batch.ts). */
  batch: BatchParts;
}
