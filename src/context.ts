import type { Clock } from "./core/clock";

/** A source authenticated by its API key. */
export interface SourceIdentity {
  id: string;
  name: string;
  excludedBuyers: string[];
}

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    clock: Clock;
    /** Set by sourceAuth on source routes. */
    source?: SourceIdentity;
    /** Set by adminAuth (or by sourceAuth when the admin token was used). */
    isAdmin?: boolean;
  };
};
