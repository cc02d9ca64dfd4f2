/**
 * A loopback stand-in for what Leadwire's operations talk to outside: alert targets (a Slack
 * incoming webhook, a PagerDuty Events endpoint: any path under /hooks/) and the Workers
 * Analytics Engine SQL API. Node HTTP, started in-process by the worker tests' global setup
 * and by the e2e tests.
 *
 * - `POST /hooks/:name` records the request (headers and raw body) and answers 202, or the
 *   status set by `POST /_control/hooks/:name/fail {"status":503,"times":2}`.
 * - `GET /_control/hooks[?name=]`, `POST /_control/reset`.
 * - `POST /client/v4/accounts/:account/analytics_engine/sql` answers the queries Leadwire sends
 *   (src/ops/analytics.ts) from the data points given to `POST /_control/ae/points`, in the SQL
 *   API's JSON shape (`meta`, `data`, `rows`, 64-bit numbers as strings), weighting by
 *   `_sample_interval` (1 unless a point says otherwise). It checks the Bearer token set by
 *   `POST /_control/ae/token`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedHook {
  name: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
}

export interface AePoint {
  /** ms since the epoch. */
  timestamp: number;
  blobs: string[];
  doubles: number[];
  indexes?: string[];
  sampleInterval?: number;
}

export interface MockOps {
  origin: string;
  close(): Promise<void>;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json" });
  res.end(text);
}

/** ClickHouse's quantileExactWeighted: the smallest value whose cumulative weight reaches q × total. */
function quantileExactWeighted(q: number, values: { v: number; w: number }[]): number {
  const sorted = [...values].sort((a, b) => a.v - b.v);
  const total = sorted.reduce((a, b) => a + b.w, 0);
  const threshold = Math.ceil(q * total);
  let seen = 0;
  for (const x of sorted) {
    seen += x.w;
    if (seen >= threshold) return x.v;
  }
  return sorted[sorted.length - 1]?.v ?? 0;
}

const COLUMN: Record<string, (p: AePoint) => string> = {
  blob1: (p) => p.blobs[0] ?? "",
  blob2: (p) => p.blobs[1] ?? "",
  blob3: (p) => p.blobs[2] ?? "",
  blob5: (p) => p.blobs[4] ?? "",
};

/** Answers the three query shapes Leadwire sends; anything else is a 422 like a real syntax error would be a 4xx. */
function answerSql(sql: string, points: AePoint[], dataset: string): { status: number; body: unknown } {
  const from = /FROM\s+(\w+)/i.exec(sql)?.[1];
  if (from !== dataset) return { status: 422, body: { errors: [{ message: `unknown table ${from}` }] } };
  const range = /timestamp >= toDateTime\((\d+)\) AND timestamp < toDateTime\((\d+)\)/.exec(sql);
  const lo = range ? Number(range[1]) * 1000 : Number.NEGATIVE_INFINITY;
  const hi = range ? Number(range[2]) * 1000 : Number.POSITIVE_INFINITY;
  const pts = points.filter((p) => p.timestamp >= lo && p.timestamp < hi);
  const weight = (p: AePoint) => p.sampleInterval ?? 1;
  const group =
    /GROUP BY ([\w, ]+)\n/
      .exec(sql)?.[1]
      ?.split(",")
      .map((s) => s.trim()) ?? [];
  const alias: Record<string, string> = { buyer_id: "blob1", outcome: "blob2", error_class: "blob3", status: "blob5" };
  const keyOf = (p: AePoint) => group.map((g) => COLUMN[alias[g] ?? ""]?.(p) ?? "").join("\u0000");
  const groups = new Map<string, AePoint[]>();
  for (const p of pts) groups.set(keyOf(p), [...(groups.get(keyOf(p)) ?? []), p]);
  if (group.length === 0 && pts.length === 0) groups.set("", []);
  const data: Record<string, unknown>[] = [];
  const meta: { name: string; type: string }[] = group.map((g) => ({ name: g, type: "String" }));
  const isOutcomes = /SUM\(_sample_interval\) AS attempts/.test(sql);
  if (isOutcomes) meta.push({ name: "attempts", type: "UInt64" }, { name: "retries", type: "UInt64" }, { name: "revenue", type: "Float64" });
  else meta.push({ name: "p50", type: "Float64" }, { name: "p95", type: "Float64" }, { name: "p99", type: "Float64" });
  for (const [key, list] of groups) {
    const row: Record<string, unknown> = {};
    key.split("\u0000").forEach((v, i) => {
      const g = group[i];
      if (g) row[g] = v;
    });
    if (isOutcomes) {
      row.attempts = String(list.reduce((a, p) => a + weight(p), 0));
      row.retries = String(list.reduce((a, p) => a + ((p.doubles[3] ?? 0) > 1 ? weight(p) : 0), 0));
      row.revenue = list.reduce((a, p) => a + weight(p) * (p.doubles[2] ?? 0), 0);
    } else {
      const lat = list.map((p) => ({ v: p.doubles[0] ?? 0, w: weight(p) }));
      for (const [name, q] of [
        ["p50", 0.5],
        ["p95", 0.95],
        ["p99", 0.99],
      ] as const)
        row[name] = lat.length ? quantileExactWeighted(q, lat) : Number.NaN;
    }
    data.push(row);
  }
  return { status: 200, body: { meta, data, rows: data.length, rows_before_limit_at_least: data.length } };
}

/** Starts the stand-in on loopback (port 0 = any free port). */
export async function startMockOps(opts: { port?: number; dataset?: string } = {}): Promise<MockOps> {
  const hooks: RecordedHook[] = [];
  const failures = new Map<string, { status: number; times: number }>();
  let points: AePoint[] = [];
  let token = "ae-test-token";
  const dataset = opts.dataset ?? "leadwire_attempts";
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const body = await read(req);
      const path = url.pathname;
      let m: RegExpExecArray | null;
      if (req.method === "POST" && (m = /^\/hooks\/([\w-]+)$/.exec(path))) {
        const name = m[1] ?? "";
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
        hooks.push({ name, headers, body, receivedAt: Date.now() });
        const f = failures.get(name);
        if (f && f.times > 0) {
          f.times--;
          return send(res, f.status, { error: "failing on purpose" });
        }
        return send(res, 202, { ok: true });
      }
      if (req.method === "GET" && path === "/_control/hooks") {
        const name = url.searchParams.get("name");
        return send(res, 200, name ? hooks.filter((h) => h.name === name) : hooks);
      }
      if (req.method === "POST" && (m = /^\/_control\/hooks\/([\w-]+)\/fail$/.exec(path))) {
        const f = JSON.parse(body || "{}") as { status?: number; times?: number };
        failures.set(m[1] ?? "", { status: f.status ?? 503, times: f.times ?? 1 });
        return send(res, 200, { ok: true });
      }
      if (req.method === "POST" && path === "/_control/reset") {
        hooks.length = 0;
        failures.clear();
        points = [];
        return send(res, 200, { ok: true });
      }
      if (req.method === "POST" && path === "/_control/ae/points") {
        points.push(...(JSON.parse(body) as AePoint[]));
        return send(res, 200, { stored: points.length });
      }
      if (req.method === "POST" && path === "/_control/ae/token") {
        token = (JSON.parse(body) as { token: string }).token;
        return send(res, 200, { ok: true });
      }
      if (req.method === "POST" && /^\/client\/v4\/accounts\/[^/]+\/analytics_engine\/sql$/.test(path)) {
        if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { errors: [{ code: 10000, message: "Authentication error" }] });
        const a = answerSql(body, points, dataset);
        return send(res, a.status, a.body);
      }
      return send(res, 404, { error: `no route ${req.method} ${path}` });
    })().catch((err: unknown) => send(res, 500, { error: err instanceof Error ? err.message : String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
