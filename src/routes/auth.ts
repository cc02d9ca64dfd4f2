import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { timingSafeEqual } from "../core/crypto";
import { ApiError } from "../core/errors";
import { findSourceByKey, type SourceIdentity } from "../db/sources";

/** The token of an `Authorization: Bearer <token>` header. */
export function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
  return m?.[1];
}

/** Whether `token` is the admin token (a Worker secret of at least 16 characters), compared in constant time. */
export function isAdminToken(env: Env, token: string): boolean {
  return typeof env.ADMIN_TOKEN === "string" && env.ADMIN_TOKEN.length >= 16 && timingSafeEqual(token, env.ADMIN_TOKEN);
}

/** Admin routes: `Authorization: Bearer <ADMIN_TOKEN>` (a Worker secret). */
export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearer(c.req.header("authorization"));
  if (!token || !isAdminToken(c.env, token)) {
    throw new ApiError("unauthorized", "An admin token is required: Authorization: Bearer <admin token>.", [], { "WWW-Authenticate": "Bearer" });
  }
  c.set("isAdmin", true);
  await next();
});

/**
 * The source whose API key an `Authorization: Bearer <source key>` header carries, or a 401 —
 * for the source routes' middleware and the direct lead entry alike.
 */
export async function sourceOfKey(env: Env, token: string | undefined, nowMs: number): Promise<SourceIdentity> {
  if (!token) throw new ApiError("unauthorized", "An API key is required: Authorization: Bearer <source key>.", [], { "WWW-Authenticate": "Bearer" });
  const source = await findSourceByKey(env, token, nowMs);
  if (!source) throw new ApiError("unauthorized", "The API key is unknown or revoked.", [], { "WWW-Authenticate": "Bearer" });
  return source;
}

/** Source routes: `Authorization: Bearer <source API key>`; the admin token is accepted for reads. */
export const sourceAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearer(c.req.header("authorization"));
  if (token && c.req.method === "GET" && isAdminToken(c.env, token)) {
    c.set("isAdmin", true);
    await next();
    return;
  }
  c.set("source", await sourceOfKey(c.env, token, c.get("clock").now()));
  await next();
});
