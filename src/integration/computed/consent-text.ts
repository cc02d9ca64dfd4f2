import type { ComputedFunction } from "./types";

const DEFAULT_TEMPLATE = "{text} Consent given {timestamp} (TrustedForm {url}).";

/**
 * The disclosure the consumer agreed to, with its evidence, as one text (args: tcpa_text,
 * trustedform url, consented_at; options.template with {text} {url} {timestamp}).
 */
export const consent_text: ComputedFunction = {
  name: "consent_text",
  description: "Consent disclosure with TrustedForm URL and timestamp (args: text, url, timestamp; options: template)",
  output: "string",
  minArgs: 1,
  fn([text, url, ts], options) {
    if (typeof text !== "string" || text.trim() === "") return undefined;
    const tpl = typeof options.template === "string" ? options.template : DEFAULT_TEMPLATE;
    const str = (v: unknown): string => (typeof v === "string" && v !== "" ? v : "n/a");
    const values: Record<string, string> = { text: text.trim(), url: str(url), timestamp: str(ts) };
    // One pass, so a value that itself contains "{url}" is never substituted again.
    return tpl.replace(/\{(text|url|timestamp)\}/g, (_m, k: string) => values[k] ?? "");
  },
};
