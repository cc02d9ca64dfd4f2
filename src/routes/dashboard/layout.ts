import { html } from "hono/html";
import { WINDOWS, type WindowName } from "../../observability/metrics";

export type Html = ReturnType<typeof html>;

/** Every dashboard page runs under this policy: its own script and stylesheet only, nothing inline. */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export type View = "executive" | "operations" | "diagnostics";

const NAV: [View, string][] = [
  ["executive", "Executive"],
  ["operations", "Operations"],
  ["diagnostics", "Diagnostics"],
];

/** The page shell: header with the views (wraps on a phone, never cut), the stylesheet and script files. */
export function page(title: string, body: Html, opts: { view?: View; signedIn?: boolean } = {}): Html {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · Leadwire</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"><script src="/dashboard/assets/dashboard.js" defer></script></head><body>
<header class="top"><h1>Leadwire</h1>${
    opts.signedIn
      ? html`<nav>${NAV.map(([v, label]) => html`<a href="/dashboard?view=${v}" class="${opts.view === v ? "on" : ""}">${label}</a>`)}</nav>
<form class="logout" method="post" action="/dashboard/logout"><button type="submit">Sign out</button></form>`
      : ""
  }</header>
<main>${body}</main></body></html>`;
}

/** The window picker (keeps the other query parameters). */
export function windowPicker(view: View, current: WindowName, extra: Record<string, string> = {}): Html {
  return html`<span class="muted small">Window</span>${(Object.keys(WINDOWS) as WindowName[]).map((w) => {
    const q = new URLSearchParams({ view, ...extra, window: w });
    return html`<a class="win ${w === current ? "on" : ""}" href="/dashboard?${q.toString()}">${w}</a>`;
  })}`;
}

/** The auto-refresh control the script drives (without the script the page simply stays). */
export function refreshControl(seconds: number): Html {
  return html`<span class="refresh" data-refresh="${seconds}"><span>Auto-refresh every ${seconds} s</span><button type="button">Pause</button></span>`;
}

export const pct = (x: number | null | undefined) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`);
export const ms = (x: number | null | undefined) => (x === null || x === undefined ? "—" : `${Math.round(x)} ms`);
export const usd = (x: number) => `$${x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** "3 h 12 min ago" style age of an ISO instant. */
export function age(iso: string | null | undefined, nowMs: number): string {
  if (!iso) return "—";
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d`;
}

/** Bucket label for charts: HH:MM for minutes and hours within a day, MM-DD HH h for longer windows. */
export function bucketLabel(iso: string, window: WindowName): string {
  if (window === "1h" || window === "24h") return iso.slice(11, 16);
  return `${iso.slice(5, 10)} ${iso.slice(11, 13)}h`;
}
