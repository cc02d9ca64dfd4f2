/**
 * A buyer config that cannot work as written (a secret not set, no token provider wired):
 * not transient, retrying cannot help; the delivery layer alerts and cascades.
 */
export class ConfigError extends Error {
  constructor(
    message: string,
    /** Where in the buyer config, e.g. `auth.password`. */
    readonly field: string,
    /** The missing secret's name, when that is the fault. */
    readonly secret?: string,
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * A token or login request the buyer's auth server refused or failed. `status` is the HTTP
 * status (0 when no answer came); `transient` says whether trying again later may succeed.
 */
export class AuthError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "AuthError";
  }

  /** Network failures, 408, 429 and 5xx are worth retrying; 400/401/403 (bad credentials) are not. */
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}
