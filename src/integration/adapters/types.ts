/** A CRM preset: defaults merged under a buyer file that says `"preset": "<name>"`. */
export interface Preset {
  name: string;
  /** One line for operators: what the preset sets and what the buyer file must add. */
  description: string;
  /**
   * A partial buyer config (the same shape as a buyer file). The buyer file wins: objects merge
   * key by key, arrays and scalars are replaced, and an object whose `type` differs (auth,
   * format) is replaced whole.
   */
  defaults: Record<string, unknown>;
  /** What the merged config still lacks for this CRM (e.g. the Salesforce org id); [] when fine. */
  check?(merged: Record<string, unknown>): string[];
}

/** A preset name that does not exist, or a buyer file missing what its preset needs. */
export class PresetError extends Error {
  constructor(
    readonly preset: string,
    readonly problems: string[],
  ) {
    super(`preset ${preset}: ${problems.join("; ")}`);
    this.name = "PresetError";
  }
}
