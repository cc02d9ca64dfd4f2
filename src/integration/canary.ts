import { z } from "zod";

/**
 * When a candidate counts as worse than the live version. Lost = rejections plus client and
 * config errors (what a broken mapping or a bad token produces); errors = server, transient
 * and unclear failures; latency = mean time of the attempts that were sent.
 */
export const CanaryThresholdsSchema = z
  .object({
    /** Roll back when the candidate's lost share is above live's by more than this (0–1) and the difference is significant. */
    lostRise: z.number().min(0).max(1).default(0.05),
    /** The same for server / transient / unclear errors. */
    errorRise: z.number().min(0).max(1).default(0.1),
    /** One-sided two-proportion z-test: the difference is significant when z ≥ this (2.326 ≈ 99 %). */
    z: z.number().positive().default(2.326),
    /** Roll back when the candidate's mean latency is above live's × this … */
    latencyRatio: z.number().gt(1).default(2),
    /** … and above it by at least this many milliseconds (so a 3 ms vs 7 ms buyer is not "worse"). */
    latencyFloorMs: z.number().int().nonnegative().default(250),
  })
  .strict();

/** The canary's progress rules: steps (the first is the start share), minimum sample per step, thresholds. */
export const CanaryPolicySchema = z
  .object({
    /** Shares of the buyer's leads, in percent, each step larger; the last must be 100. */
    steps: z
      .array(z.number().gt(0).max(100))
      .min(1)
      .default([5, 25, 100])
      .refine((s) => s.every((v, i) => i === 0 || v > (s[i - 1] ?? 0)), "must grow step by step")
      .refine((s) => s[s.length - 1] === 100, "the last step must be 100"),
    /** Candidate attempts (and live attempts, to promote) in a step before it is judged. */
    minSample: z.number().int().positive().default(50),
    thresholds: CanaryThresholdsSchema.prefault({}),
  })
  .strict();

export type CanaryPolicy = z.infer<typeof CanaryPolicySchema>;

/** The `canary` block of a buyer file: the candidate's changes and the policy. */
export const CanaryBlockSchema = CanaryPolicySchema.extend({
  /** One line: what the candidate changes. */
  changeNote: z.string().min(1).max(200).optional(),
  /** Top-level parts of the buyer config that the candidate replaces whole (e.g. `mapping`, `endpoint`, `auth`); `id` cannot change. */
  config: z.record(z.string(), z.unknown()).refine((c) => Object.keys(c).length > 0, "must change at least one part of the config"),
}).strict();

/** A one-line change note a buyer file may carry. */
const ChangeNoteSchema = z.string().min(1).max(200);

/** A buyer file split into its live config, its change note and its canary (raw, before the schema). */
export interface SplitBuyerFile {
  /** The live config as written, without `changeNote` and `canary`. */
  live: unknown;
  changeNote?: string;
  canary?: { raw: unknown; policy: CanaryPolicy; changeNote?: string };
  /** Problems of the `changeNote` / `canary` parts, paths from the file's root. */
  problems: { path: string; message: string }[];
}

/**
 * Splits a buyer file's `changeNote` and `canary` off its config. The candidate is the live
 * file with each top-level part named in `canary.config` replaced whole; it is then parsed and
 * checked like any buyer file (the build does, and fails on any problem). Neither the note nor
 * the canary block is part of a version's fingerprint: adding a canary leaves the live version
 * as it was, and a promoted candidate moved into the file keeps its version.
 */
export function splitBuyerFile(raw: unknown): SplitBuyerFile {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { live: raw, problems: [] };
  const { changeNote, canary, ...live } = raw as Record<string, unknown>;
  const out: SplitBuyerFile = { live, problems: [] };
  if (changeNote !== undefined) {
    const n = ChangeNoteSchema.safeParse(changeNote);
    if (n.success) out.changeNote = n.data;
    else out.problems.push({ path: "changeNote", message: "must be one line of 1–200 characters" });
  }
  if (canary === undefined) return out;
  const parsed = CanaryBlockSchema.safeParse(canary);
  if (!parsed.success) {
    for (const i of parsed.error.issues) out.problems.push({ path: ["canary", ...i.path.map(String)].join("."), message: i.message });
    return out;
  }
  const { config, changeNote: candidateNote, ...policy } = parsed.data;
  if ("id" in config) {
    out.problems.push({ path: "canary.config.id", message: "a candidate is a version of the same buyer: its id cannot change" });
    return out;
  }
  out.canary = { raw: { ...live, ...config }, policy, ...(candidateNote ? { changeNote: candidateNote } : {}) };
  return out;
}
