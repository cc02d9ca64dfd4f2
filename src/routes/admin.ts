import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { decrypt, loadEncryptionKeys } from "../core/crypto";
import { ApiError, zodIssues } from "../core/errors";
import { createSource, revokeSource } from "../db/sources";
import { adminAuth } from "./auth";
import { readJsonBody } from "./body";

export const adminRouter = new OpenAPIHono<AppEnv>();
adminRouter.use("*", adminAuth);

export const CreateSourceSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
    excludedBuyers: z.array(z.string()).optional(),
  })
  .strict()
  .openapi("CreateSource");

/** Creates a source; the API key is in this answer and nowhere else. */
adminRouter.post("/sources", async (c) => {
  const { json } = await readJsonBody(c, 16 * 1024);
  const parsed = CreateSourceSchema.safeParse(json);
  if (!parsed.success) throw new ApiError("validation_failed", "The source is not valid.", zodIssues(parsed.error));
  const created = await createSource(c.env, parsed.data, c.get("clock").now());
  return c.json(created, 201);
});

adminRouter.post("/sources/:id/revoke", async (c) => {
  const ok = await revokeSource(c.env, c.req.param("id"), c.get("clock").now());
  if (!ok) throw new ApiError("not_found", `No active source ${c.req.param("id")}.`);
  return c.json({ id: c.req.param("id"), status: "revoked" });
});

adminRouter.get("/sources", async (c) => {
  const { results } = await c.env.DB.prepare(
    `SELECT id, name, key_prefix AS keyPrefix, status, quality_score AS qualityScore, webhook_url AS webhookUrl, created_at AS createdAt, revoked_at AS revokedAt FROM sources ORDER BY created_at`,
  ).all();
  return c.json({ sources: results });
});

adminRouter.get("/alerts", async (c) => {
  const { results } = await c.env.DB.prepare(`SELECT * FROM alerts ORDER BY created_at DESC LIMIT 200`).all();
  return c.json({ alerts: results });
});

/** Compliance: the exact request sent to a buyer, decrypted for an admin. */
adminRouter.get("/attempts/:id/request", async (c) => {
  const row = await c.env.DB.prepare(`SELECT request_encrypted, key_id FROM delivery_attempts WHERE id = ?`)
    .bind(c.req.param("id"))
    .first<{ request_encrypted: string | null; key_id: string | null }>();
  if (!row) throw new ApiError("not_found", `No attempt ${c.req.param("id")}.`);
  if (!row.request_encrypted || !row.key_id) throw new ApiError("not_found", "No request was sent in this attempt.");
  const keys = loadEncryptionKeys(c.env.REQUEST_ENCRYPTION_KEYS);
  if (!keys) throw new ApiError("unavailable", "REQUEST_ENCRYPTION_KEYS is not configured.");
  return c.json(JSON.parse(await decrypt(await keys, row.key_id, row.request_encrypted)) as unknown);
});
