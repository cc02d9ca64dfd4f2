/** One reason the request could not be built. */
export interface MappingErrorIssue {
  field: string;
  message: string;
}

/**
 * The lead cannot be sent to this buyer: a required field is missing or invalid after
 * mapping (`kind: "lead"`), or the buyer config can't produce a request — a missing secret
 * or `${VAR}` (`kind: "config"`). Raised before any HTTP call.
 */
export class MappingError extends Error {
  constructor(
    readonly issues: MappingErrorIssue[],
    readonly kind: "lead" | "config" = "lead",
  ) {
    super(`${kind === "lead" ? "lead cannot be mapped" : "buyer config error"}: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`);
    this.name = "MappingError";
  }
}
