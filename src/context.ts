import type { Clock } from "./core/clock";
import type { SourceIdentity } from "./db/sources";

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
