import { expandPreset, PresetError } from "./adapters";
import { channelProblems } from "./channels";
import type { BuyerConfig } from "./config";
import { BuyerConfigSchema } from "./config";
import { openRuleProblems } from "./mapping/open";
import { buyerPingProblems } from "./ping/pii";
import type { BuyerLoadError } from "./registry";

function idOf(raw: unknown): string | undefined {
  return raw !== null && typeof raw === "object" && typeof (raw as { id?: unknown }).id === "string" ? (raw as { id: string }).id : undefined;
}

/**
 * Expands CRM presets (`"preset": "salesforce-web-to-lead"`) and parses raw buyer configs with
 * the schema. Invalid configs and duplicate ids are reported, never thrown: one broken buyer
 * file must not take the others down.
 *
 * The build runs this over buyers/*.json (src/cli/bundle-buyers.mjs), so the Worker never does
 * for its bundled buyers and never builds the config schema; it runs in the Worker only for
 * configs given at runtime in BUYER_CONFIGS (tests, staging), installed with `useConfigLoader`.
 */
export function loadBuyers(raw: unknown[]): { buyers: BuyerConfig[]; errors: BuyerLoadError[] } {
  const buyers: BuyerConfig[] = [];
  const errors: BuyerLoadError[] = [];
  const ids = new Set<string>();
  raw.forEach((input, index) => {
    const id = idOf(input);
    let expanded: unknown;
    try {
      expanded = expandPreset(input);
    } catch (e) {
      if (!(e instanceof PresetError)) throw e;
      errors.push({ index, ...(id ? { id } : {}), issues: e.problems.map((message) => ({ path: "preset", message })) });
      return;
    }
    const parsed = BuyerConfigSchema.safeParse(expanded);
    if (!parsed.success) {
      errors.push({
        index,
        ...(id ? { id } : {}),
        issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
      });
      return;
    }
    // A buyer with undecided fields (buyer:new's `open` rules) is never loaded: it would fail every lead.
    const open = openRuleProblems(parsed.data.mapping);
    if (open.length) {
      errors.push({ index, id: parsed.data.id, issues: open });
      return;
    }
    // A ping that would give personal data away is never loaded (issue 12): buyers:check says why.
    const pii = buyerPingProblems(parsed.data);
    if (pii.length) {
      errors.push({ index, id: parsed.data.id, issues: pii });
      return;
    }
    // A batch or e-mail channel that cannot work is never loaded (issue 16): buyers:check says why.
    const channel = channelProblems(parsed.data);
    if (channel.length) {
      errors.push({ index, id: parsed.data.id, issues: channel });
      return;
    }
    if (ids.has(parsed.data.id)) {
      errors.push({ index, id: parsed.data.id, issues: [{ path: "id", message: `duplicate buyer id "${parsed.data.id}"` }] });
      return;
    }
    ids.add(parsed.data.id);
    buyers.push(parsed.data);
  });
  return { buyers, errors };
}
