/**
 * Dashboard sign-in: the admin token once, then an HttpOnly, SameSite=Strict cookie scoped to
 * /dashboard. Kept apart from the views so the session handling can change on its own.
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../../context";
import { sha256Hex, timingSafeEqual } from "../../core/crypto";
import { bearer, isAdminToken } from "../auth";

const COOKIE = "lw_admin";

async function sessionValue(env: Env): Promise<string> {
  return sha256Hex(`leadwire-dashboard:${env.ADMIN_TOKEN}`);
}

/** Whether the request carries the admin token (header) or a valid dashboard session (cookie). */
export async function isAuthed(c: Context<AppEnv>): Promise<boolean> {
  if (!isAdminToken(c.env, c.env.ADMIN_TOKEN ?? "")) return false;
  const token = bearer(c.req.header("authorization"));
  if (token && isAdminToken(c.env, token)) return true;
  const cookie = getCookie(c, COOKIE);
  return cookie !== undefined && timingSafeEqual(cookie, await sessionValue(c.env));
}

/** Checks a posted token; on success sets the session cookie. */
export async function signIn(c: Context<AppEnv>, token: string): Promise<boolean> {
  if (!isAdminToken(c.env, token)) return false;
  setCookie(c, COOKIE, await sessionValue(c.env), {
    httpOnly: true,
    sameSite: "Strict",
    path: "/dashboard",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: 8 * 3600,
  });
  return true;
}

/**
 * A state-changing dashboard form (acknowledge, reveal) must come from the dashboard itself:
 * the cookie is SameSite=Strict, and a browser's Origin header, when sent, must be ours.
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
