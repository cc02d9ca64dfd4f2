import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { timingSafeEqual } from "../core/crypto";
import { ApiError } from "../core/errors";
import { findSourceByKey } from "../db/sources";

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

/** Source routes: `Authorization: Bearer <source API key>`; the admin token is accepted for reads. */
export const sourceAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearer(c.req.header("authorization"));
  if (!token) throw new ApiError("unauthorized", "An API key is required: Authorization: Bearer <source key>.", [], { "WWW-Authenticate": "Bearer" });
  if (c.req.method === "GET" && isAdminToken(c.env, token)) {
    c.set("isAdmin", true);
    await next();
    return;
  }
  const source = await findSourceByKey(c.env, token, c.get("clock").now());
  if (!source) throw new ApiError("unauthorized", "The API key is unknown or revoked.", [], { "WWW-Authenticate": "Bearer" });
  c.set("source", source);
  await next();
});
