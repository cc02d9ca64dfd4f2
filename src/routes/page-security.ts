/**
 * Headers every HTML page carries. The pages (dashboard, /docs) are server-rendered with no
 * script at all and one inline <style> each, so the policy allows exactly those styles by
 * their SHA-256 and nothing else: no script of any kind, no framing, forms only to us.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { toBase64 } from "../core/crypto";

const hashes = new Map<string, Promise<string>>();

/** `'sha256-…'` of a style element's exact text, computed once per text. */
function styleSource(css: string): Promise<string> {
  let h = hashes.get(css);
  if (!h) {
    h = crypto.subtle.digest("SHA-256", new TextEncoder().encode(css)).then((d) => `'sha256-${toBase64(new Uint8Array(d))}'`);
    hashes.set(css, h);
  }
  return h;
}

/** The Content-Security-Policy of a page whose only inline content is these <style> texts. */
export async function pagePolicy(styles: readonly string[]): Promise<string> {
  const styleSrc = (await Promise.all(styles.map(styleSource))).join(" ");
  return [
    "default-src 'none'",
    `style-src ${styleSrc}`,
    // The browser asks for /favicon.ico by itself; allowing our own origin keeps that quiet.
    "img-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Middleware for routers that serve HTML: sets the CSP (with the hashes of `styles`, the exact
 * texts of the pages' <style> elements), nosniff, no referrer and no framing; `noStore` keeps
 * pages with operator data out of every cache.
 */
export function pageSecurity(styles: readonly string[], opts: { noStore?: boolean } = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    const type = c.res.headers.get("content-type") ?? "";
    if (!type.startsWith("text/html")) return;
    c.res.headers.set("Content-Security-Policy", await pagePolicy(styles));
    c.res.headers.set("X-Content-Type-Options", "nosniff");
    c.res.headers.set("Referrer-Policy", "no-referrer");
    c.res.headers.set("X-Frame-Options", "DENY");
    if (opts.noStore) c.res.headers.set("Cache-Control", "no-store");
  });
}
