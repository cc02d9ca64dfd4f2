import { createRoute, z } from "@hono/zod-openapi";
import { gateFor } from "../buyer-gate/client";
import type { VersionState } from "../buyer-gate/types";
import { ApiError, zodIssues } from "../core/errors";
import { attemptsByVersion, type VersionAttemptGroup } from "../db/attempts";
import { buyerVersions, getBuyerRegistry, type VersionRecord } from "../integration/registry";
import { adminAuth } from "./auth";
import { readJsonBody } from "./body";
import { ADMIN_TOKEN, errors, freeformBody, IdParam, json, newRouter } from "./openapi";

/** `GET /v1/buyers/{id}/versions`, `POST /v1/buyers/{id}/rollback`, `DELETE /v1/buyers/{id}/pin` (issue 15), mounted beside the buyers router. */
export const buyerVersionsRouter = newRouter();
buyerVersionsRouter.use("*", adminAuth);

const FiguresSchema = z.object({
  attempts: z.number(),
  accepted: z.number(),
  pending: z.number(),
  rejected: z.number(),
  acceptanceRate: z.number().nullable().openapi({ description: "accepted ÷ attempts that reached an answer (deferrals excluded); null without attempts" }),
  errorsByClass: z.record(z.string(), z.number()),
  meanLatencyMs: z.number().nullable(),
});

const VersionSchema = z
  .object({
    version: z.string(),
    kind: z
      .enum(["live", "candidate", "previous", "unbundled"])
      .openapi({ description: "unbundled: seen in attempts, no longer in this build (cannot be pinned)" }),
    changeNote: z.string().nullable(),
    builtAt: z.string().nullable(),
    commit: z.string().nullable(),
    committedAt: z.string().nullable(),
    pinned: z.boolean(),
    figures: FiguresSchema,
  })
  .openapi("BuyerVersion");

const versionsRoute = createRoute({
  method: "get",
  path: "/{id}/versions",
  summary: "A buyer's config versions (live, canary candidate, previous ones kept for rollback) with their attempt figures, the pin and the canary's progress",
  security: ADMIN_TOKEN,
  request: { params: IdParam },
  responses: {
    200: json(
      z.object({ buyerId: z.string(), live: z.string(), pin: z.unknown().nullable(), canary: z.unknown().nullable(), versions: z.array(VersionSchema) }),
      "Versions, live first",
    ),
    401: errors[401],
    404: errors[404],
  },
});

function figuresOf(groups: VersionAttemptGroup[]): z.infer<typeof FiguresSchema> {
  const f = { attempts: 0, accepted: 0, pending: 0, rejected: 0, deferred: 0, elapsedMs: 0, errorsByClass: {} as Record<string, number> };
  for (const g of groups) {
    if (g.outcome === "deferred") {
      f.deferred += g.attempts;
      continue;
    }
    f.attempts += g.attempts;
    f.elapsedMs += g.elapsedMs;
    if (g.outcome === "accepted") f.accepted += g.attempts;
    else if (g.outcome === "pending") f.pending += g.attempts;
    else if (g.outcome === "rejected") f.rejected += g.attempts;
    else f.errorsByClass[g.errorClass ?? "unknown"] = (f.errorsByClass[g.errorClass ?? "unknown"] ?? 0) + g.attempts;
  }
  return {
    attempts: f.attempts,
    accepted: f.accepted,
    pending: f.pending,
    rejected: f.rejected,
    acceptanceRate: f.attempts > 0 ? Math.round((f.accepted / f.attempts) * 10_000) / 10_000 : null,
    errorsByClass: f.errorsByClass,
    meanLatencyMs: f.attempts > 0 ? Math.round(f.elapsedMs / f.attempts) : null,
  };
}

function knownVersions(env: Env, id: string): VersionRecord[] {
  const list = buyerVersions(env, id);
  if (list.length === 0) throw new ApiError("not_found", `No buyer ${id}.`);
  return list;
}

buyerVersionsRouter.openapi(versionsRoute, async (c) => {
  const { id } = c.req.valid("param");
  const list = knownVersions(c.env, id);
  const live = list[0] as VersionRecord;
  const [groups, state] = await Promise.all([attemptsByVersion(c.env, id), gateFor(c.env, live.config).versionState() as Promise<VersionState>]);
  const byVersion = new Map<string, VersionAttemptGroup[]>();
  for (const g of groups) {
    const k = g.configVersion ?? "(unrecorded)";
    byVersion.set(k, [...(byVersion.get(k) ?? []), g]);
  }
  const versions: z.infer<typeof VersionSchema>[] = list.map((v) => ({
    version: v.version,
    kind: v.kind,
    changeNote: v.changeNote ?? null,
    builtAt: v.builtAt ?? null,
    commit: v.commit ?? null,
    committedAt: v.committedAt ?? null,
    pinned: state.pin?.version === v.version,
    figures: figuresOf(byVersion.get(v.version) ?? []),
  }));
  // Versions seen in attempts but no longer bundled (older than the kept history, or attempts from before versions were recorded).
  for (const [version, g] of byVersion) {
    if (list.some((v) => v.version === version)) continue;
    versions.push({
      version,
      kind: "unbundled",
      changeNote: null,
      builtAt: null,
      commit: null,
      committedAt: null,
      pinned: state.pin?.version === version,
      figures: figuresOf(g),
    });
  }
  return c.json({ buyerId: id, live: live.version, pin: state.pin, canary: state.canary, versions }, 200);
});

const RollbackBody = z
  .object({
    version: z
      .string()
      .min(1)
      .openapi({ description: "A version listed by GET /v1/buyers/{id}/versions (live, candidate or previous)", example: "0a1b2c3d4e5f60" }),
    reason: z.string().max(200).optional(),
  })
  .strict();

const PinSchema = z.object({ buyerId: z.string(), version: z.string(), pinnedAt: z.string(), reason: z.string().optional() });

const rollbackRoute = createRoute({
  method: "post",
  path: "/{id}/rollback",
  summary: "Pin a version of the buyer's config at once, without a deploy; the pin holds across deploys until DELETE /v1/buyers/{id}/pin",
  security: ADMIN_TOKEN,
  request: { params: IdParam, body: freeformBody('The version to pin: `{"version": "<version>", "reason"?: "…"}`') },
  responses: {
    200: json(PinSchema, "Pinned: every lead goes through this version"),
    400: errors[400],
    401: errors[401],
    404: errors[404],
    415: errors[415],
  },
});

buyerVersionsRouter.openapi(rollbackRoute, async (c) => {
  const { id } = c.req.valid("param");
  const list = knownVersions(c.env, id);
  const { json: body } = await readJsonBody(c.req.raw, 4 * 1024);
  const parsed = RollbackBody.safeParse(body);
  if (!parsed.success) throw new ApiError("validation_failed", "The rollback request is not valid.", zodIssues(parsed.error));
  const target = list.find((v) => v.version === parsed.data.version);
  if (!target) {
    throw new ApiError("validation_failed", `Buyer ${id} has no bundled version ${parsed.data.version}.`, [
      { path: "version", message: `unknown version; this build can pin ${list.map((v) => `${v.version} (${v.kind})`).join(", ")}` },
    ]);
  }
  const live = list[0] as VersionRecord;
  const pin = await gateFor(c.env, live.config).pin(target.version, target.config, parsed.data.reason);
  return c.json({ buyerId: id, ...pin }, 200);
});

const unpinRoute = createRoute({
  method: "delete",
  path: "/{id}/pin",
  summary: "Release the rollback pin: the deployed version (and its canary) runs again",
  security: ADMIN_TOKEN,
  request: { params: IdParam },
  responses: {
    200: json(z.object({ buyerId: z.string(), released: PinSchema.omit({ buyerId: true }).nullable(), live: z.string() }), "Released (null: there was no pin)"),
    401: errors[401],
    404: errors[404],
  },
});

buyerVersionsRouter.openapi(unpinRoute, async (c) => {
  const { id } = c.req.valid("param");
  const live = knownVersions(c.env, id)[0] as VersionRecord;
  if (!getBuyerRegistry(c.env).has(id)) throw new ApiError("not_found", `No buyer ${id}.`);
  const released = await gateFor(c.env, live.config).unpin();
  return c.json({ buyerId: id, released, live: live.version }, 200);
});
