import { bundledBuyers } from "../buyers.generated";
import { log } from "../observability/log";
import { expandPreset, PresetError } from "./adapters";
import { channelProblems } from "./channels";
import type { BuyerConfig } from "./config";
import { BuyerConfigSchema } from "./config";
import { openRuleProblems } from "./mapping/open";
import { buyerPingProblems } from "./ping/pii";

export interface BuyerLoadError {
  /** Index in the input list and the id when readable. */
  index: number;
  id?: string;
  issues: { path: string; message: string }[];
}

function idOf(raw: unknown): string | undefined {
  return raw !== null && typeof raw === "object" && typeof (raw as { id?: unknown }).id === "string" ? (raw as { id: string }).id : undefined;
}

/**
 * Expands CRM presets (`"preset": "salesforce-web-to-lead"`) and parses raw buyer configs with
 * the schema. Invalid configs and duplicate ids are reported, never thrown: one broken buyer
 * file must not take the others down.
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

let memo: { key: string | undefined; environment: string | undefined; map: Map<string, BuyerConfig> } | undefined;

/**
 * Buyers by id: the configs bundled from buyers/*.json, or the JSON array in BUYER_CONFIGS
 * (tests, staging). Parsed once per distinct source. Invalid configs are left out (and
 * reported by `npm run buyers:check`); a malformed BUYER_CONFIGS throws, since every buyer
 * would silently vanish otherwise.
 */
export function getBuyerRegistry(env: { BUYER_CONFIGS?: string; ENVIRONMENT?: string }): Map<string, BuyerConfig> {
  const key = env.BUYER_CONFIGS;
  const environment = env.ENVIRONMENT;
  if (memo && memo.key === key && memo.environment === environment) return memo.map;
  let raw: unknown[];
  if (key !== undefined && key.trim() !== "") {
    const parsed: unknown = JSON.parse(key);
    if (!Array.isArray(parsed)) throw new Error("BUYER_CONFIGS must be a JSON array of buyer configs");
    raw = parsed;
  } else {
    raw = bundledBuyers;
  }
  const { buyers, errors } = loadBuyers(raw);
  for (const e of errors) log("error", "buyer config rejected", { buyer: e.id ?? `#${e.index}`, issues: e.issues });
  // A buyer limited to some environments (the demo buyers: development) is not loaded elsewhere.
  const live = buyers.filter((b) => !b.environments || (environment !== undefined && b.environments.includes(environment)));
  const map = new Map(live.map((b) => [b.id, b]));
  memo = { key, environment, map };
  return map;
}
