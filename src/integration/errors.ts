/**
 * The one error model of the integration engine. Every error it throws is an
 * `IntegrationError` with a kind, matched with `instanceof` by the gate and the routes:
 *
 * | kind | meaning | the delivery layer |
 * |---|---|---|
 * | mapping | this lead cannot be sent to this buyer (a required field missing after mapping) | cascade at once, like a rejection; no alert |
 * | config | the buyer config cannot work as written (a secret or var not set, a mapping that cannot compile) | never retried; cascade and alert |
 * | auth | the buyer's token or login endpoint refused or failed | config fault when refused, transient when it failed |
 */
export type IntegrationErrorKind = "mapping" | "config" | "auth";

export abstract class IntegrationError extends Error {
  abstract readonly kind: IntegrationErrorKind;
}

/** One reason the request could not be built. */
export interface MappingErrorIssue {
  field: string;
  message: string;
}

/**
 * The lead cannot be sent to this buyer: a required field is missing or invalid after
 * mapping. Raised before any HTTP call; the lead cascades to the next buyer.
 */
export class MappingError extends IntegrationError {
  readonly kind = "mapping" as const;
  constructor(readonly issues: MappingErrorIssue[]) {
    super(`lead cannot be mapped: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`);
    this.name = "MappingError";
  }
}

/**
 * A buyer config that cannot work as written (a secret not set, no token provider wired):
 * not transient, retrying cannot help; the delivery layer alerts and cascades.
 */
export class ConfigError extends IntegrationError {
  readonly kind = "config" as const;
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

/** A mapping, template or format that cannot compile: a config fault found while compiling. */
export class MappingConfigError extends ConfigError {
  constructor(field: string, message: string) {
    super(`${field}: ${message}`, field);
    this.name = "MappingConfigError";
  }
}

/**
 * A token or login request the buyer's auth server refused or failed. `status` is the HTTP
 * status (0 when no answer came); `transient` says whether trying again later may succeed.
 */
export class AuthError extends IntegrationError {
  readonly kind = "auth" as const;
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
