import { isDeepStrictEqual } from "node:util";
import { splitBuyerFile } from "../integration/canary";
import type { BuyerConfig } from "../integration/config";
import { loadBuyers } from "../integration/load-buyers";
import type { BuyerLoadError, CompiledBuyer, VersionRecord } from "../integration/registry";
import { fingerprint } from "../integration/version";

/** A parsed config and its version; it must survive the trip through JSON unchanged. */
function versioned(config: BuyerConfig): { version: string; config: BuyerConfig } {
  const json = JSON.stringify(config);
  if (!isDeepStrictEqual(JSON.parse(json), config)) throw new Error(`buyer ${config.id}: its parsed config does not survive JSON`);
  return { version: fingerprint(json), config };
}

function idOf(raw: unknown): string | undefined {
  return raw !== null && typeof raw === "object" && typeof (raw as { id?: unknown }).id === "string" ? (raw as { id: string }).id : undefined;
}

/**
 * The build's compile step for buyers/*.json (called by src/cli/bundle-buyers.mjs): each config
 * parsed with the schema — presets expanded, defaults filled — and versioned, so the Worker
 * loads its buyers with one JSON.parse and no schema. A file's `changeNote` and `canary` block
 * are split off first (src/integration/canary.ts): the candidate is compiled and versioned
 * like the live config, and a candidate with any problem is an error that stops the build.
 */
export function compileBuyerConfigs(raw: unknown[]): { buyers: CompiledBuyer[]; errors: BuyerLoadError[] } {
  const split = raw.map((r) => splitBuyerFile(r));
  const { buyers, errors } = loadBuyers(split.map((s) => s.live));
  const byId = new Map<string, { s: (typeof split)[number]; index: number }>();
  split.forEach((s, index) => {
    const id = idOf(s.live);
    if (id) byId.set(id, { s, index });
    if (s.problems.length) errors.push({ index, ...(id ? { id } : {}), issues: s.problems });
  });
  const out: CompiledBuyer[] = [];
  for (const config of buyers) {
    const entry = byId.get(config.id);
    const live = versioned(config);
    const compiled: CompiledBuyer = { ...live, ...(entry?.s.changeNote ? { changeNote: entry.s.changeNote } : {}) };
    const canary = entry?.s.canary;
    if (entry && canary) {
      const cand = loadBuyers([canary.raw]);
      for (const e of cand.errors) {
        errors.push({ index: entry.index, id: config.id, issues: e.issues.map((i) => ({ path: `canary (candidate config): ${i.path}`, message: i.message })) });
      }
      const c = cand.buyers[0];
      if (c) {
        const v = versioned(c);
        if (v.version === live.version) {
          errors.push({ index: entry.index, id: config.id, issues: [{ path: "canary.config", message: "the candidate is the same config as the live one" }] });
        } else {
          compiled.canary = { ...v, policy: canary.policy, ...(canary.changeNote ? { changeNote: canary.changeNote } : {}) };
        }
      }
    }
    out.push(compiled);
  }
  return { buyers: out, errors };
}

/** One earlier state of a buyer file, as git holds it. */
export interface FileRevision {
  commit: string;
  committedAt: string;
  raw: unknown;
}

/**
 * The previous versions of each buyer the build keeps for rollback pins: from each file's git
 * revisions (newest first), the versions that differ from the live and candidate ones, at most
 * `keep` per buyer. A revision today's schema refuses is skipped (it could not run anyway).
 */
export function compileHistory(current: CompiledBuyer[], revisions: Map<string, FileRevision[]>, keep: number): VersionRecord[] {
  const out: VersionRecord[] = [];
  for (const b of current) {
    const seen = new Set([b.version, ...(b.canary ? [b.canary.version] : [])]);
    let kept = 0;
    for (const rev of revisions.get(b.config.id) ?? []) {
      if (kept >= keep) break;
      const s = splitBuyerFile(rev.raw);
      const parsed = loadBuyers([s.live]).buyers[0];
      if (!parsed || parsed.id !== b.config.id) continue;
      const v = versioned(parsed);
      if (seen.has(v.version)) continue;
      seen.add(v.version);
      kept++;
      out.push({
        id: b.config.id,
        version: v.version,
        kind: "previous",
        ...(s.changeNote ? { changeNote: s.changeNote } : {}),
        commit: rev.commit,
        committedAt: rev.committedAt,
        config: v.config,
      });
    }
  }
  return out;
}
