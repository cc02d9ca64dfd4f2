/**
 * Dashboard sign-in sessions: a random id in an HttpOnly cookie, its state in D1.
 *
 * - The id is 32 random bytes; D1 stores only HMAC-SHA256(ADMIN_TOKEN, id) as the row's key,
 *   so a copy of the table opens nothing, and a rotated admin token matches no row any more:
 *   every session ends when the token changes, with no list to walk.
 * - It expires after 8 hours unused or 24 hours after sign-in, whichever comes first; the
 *   cookie carries the absolute limit as Max-Age, the idle limit is enforced server-side.
 * - Sign-out deletes the row and clears the cookie.
 * - Cookie: HttpOnly; SameSite=Strict (never sent on a cross-site request, so no CSRF on the
 *   POST forms); Path=/dashboard; Secure when served over https.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../context";
import { hex, hmacSha256, toBase64 } from "../core/crypto";
import { deleteSession, insertSession, purgeExpiredSessions, touchSession } from "../db/sessions";
import { isAdminToken } from "./auth";

export const SESSION_COOKIE = "lw_session";
export const SESSION_IDLE_MS = 8 * 3_600_000;
export const SESSION_ABSOLUTE_MS = 24 * 3_600_000;

const enc = new TextEncoder();

function randomId(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The row key of a session id: bound to the current admin token (see above). */
async function keyOf(adminToken: string, id: string): Promise<string> {
  const mac = await hmacSha256(enc.encode(adminToken), enc.encode(id));
  return hex(mac);
}

/** The configured admin token when it is usable (a secret of at least 16 characters). */
function adminToken(env: Env): string | undefined {
  const t = env.ADMIN_TOKEN;
  return typeof t === "string" && isAdminToken(env, t) ? t : undefined;
}

/** Starts a session for an operator who gave the admin token, and sets its cookie. */
export async function startSession(c: Context<AppEnv>): Promise<void> {
  const token = adminToken(c.env);
  if (!token) throw new Error("no usable ADMIN_TOKEN: a session cannot be started");
  const nowMs = c.get("clock").now();
  // Sign-ins are rare: a good moment to drop what has expired.
  await purgeExpiredSessions(c.env, nowMs);
  const id = randomId();
  await insertSession(c.env, { key: await keyOf(token, id), nowMs, idleMs: SESSION_IDLE_MS, absoluteMs: SESSION_ABSOLUTE_MS });
  setCookie(c, SESSION_COOKIE, id, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/dashboard",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: SESSION_ABSOLUTE_MS / 1000,
  });
}

/** Whether the request carries a live session (renewing its idle expiry when it does). */
export async function hasSession(c: Context<AppEnv>): Promise<boolean> {
  const token = adminToken(c.env);
  const id = getCookie(c, SESSION_COOKIE);
  if (!token || !id || id.length > 100) return false;
  return touchSession(c.env, await keyOf(token, id), c.get("clock").now(), SESSION_IDLE_MS);
}

/** Ends the request's session, if any, and clears its cookie. */
export async function endSession(c: Context<AppEnv>): Promise<void> {
  const token = adminToken(c.env);
  const id = getCookie(c, SESSION_COOKIE);
  if (token && id && id.length <= 100) await deleteSession(c.env, await keyOf(token, id));
  deleteCookie(c, SESSION_COOKIE, { path: "/dashboard", secure: new URL(c.req.url).protocol === "https:" });
}
