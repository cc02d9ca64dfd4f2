import type { ComputedFunction } from "./types";

const DEFAULT_TEMPLATE = "{text} Consent given {timestamp} (TrustedForm {url}).";
const PLACEHOLDER = /\{(text|url|timestamp)\}/g;

function orNa(v: unknown): string {
  return typeof v === "string" && v !== "" ? v : "n/a";
}

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
    const t = text.trim();
    // One pass, so a value that itself contains "{url}" is never substituted again.
    return tpl.replace(PLACEHOLDER, (_m, k: string) => (k === "text" ? t : k === "url" ? orNa(url) : orNa(ts)));
  },
};
