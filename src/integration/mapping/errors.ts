/** One reason the request could not be built. */
export interface MappingErrorIssue {
  field: string;
  message: string;
}

/**
 * The lead cannot be sent to this buyer: a required field is missing or invalid after
 * mapping. Raised before any HTTP call; the lead cascades to the next buyer. (A config that
 * cannot work — a secret or `${VAR}` not set — raises auth's ConfigError instead, so the
 * delivery layer has one class for config faults.)
 */
export class MappingError extends Error {
  constructor(readonly issues: MappingErrorIssue[]) {
    super(`lead cannot be mapped: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`);
    this.name = "MappingError";
  }
}
