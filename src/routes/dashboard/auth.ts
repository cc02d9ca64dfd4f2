/**
 * Dashboard sign-in: the admin token once, then a server-side session (src/routes/session.ts:
 * a random id in an HttpOnly, SameSite=Strict cookie scoped to /dashboard, expiring, revocable).
 * Kept apart from the views so the session handling can change on its own.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { bearer, isAdminToken } from "../auth";
import { endSession, hasSession, startSession } from "../session";

/** Whether the request carries the admin token (header, for scripts) or a live session (browsers). */
export async function isAuthed(c: Context<AppEnv>): Promise<boolean> {
  if (!isAdminToken(c.env, c.env.ADMIN_TOKEN ?? "")) return false;
  const token = bearer(c.req.header("authorization"));
  if (token && isAdminToken(c.env, token)) return true;
  return hasSession(c);
}

/** Checks a posted token; on success starts a session. */
export async function signIn(c: Context<AppEnv>, token: string): Promise<boolean> {
  if (!isAdminToken(c.env, token)) return false;
  await startSession(c);
  return true;
}

/** Ends this browser's session (the row is deleted, the cookie cleared). */
export async function signOut(c: Context<AppEnv>): Promise<void> {
  await endSession(c);
}

/**
 * A state-changing dashboard form (acknowledge, reveal, sign-out) must come from the dashboard
 * itself: the cookie is SameSite=Strict, and a browser's Origin header, when sent, must be ours.
 */
export function sameOrigin(c: Context<AppEnv>): boolean {
  const origin = c.req.header("origin");
  if (origin === undefined) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  // Behind a proxy (wrangler dev included) the URL the Worker sees may name another host: the Host header is what the browser addressed.
  return host === (c.req.header("host") ?? new URL(c.req.url).host) || host === new URL(c.req.url).host;
}
