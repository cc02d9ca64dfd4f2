/**
 * A small closed-loop load generator for loopback HTTP: `concurrency` clients each send their
 * next request when the previous one answered, until `requests` were sent or `seconds` passed
 * (whichever comes first), so every run is bounded in both.
 */

export interface Sample {
  /** Milliseconds from send to the last byte of the answer. */
  ms: number;
  status: number;
}

export interface LoadResult {
  samples: Sample[];
  /** The bodies of the first few answers that were not 200, to say why. */
  odd: string[];
  elapsedMs: number;
  /** Answers per second over the run. */
  rate: number;
}

export interface RequestSpec {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Runs one bounded load; `make(i)` builds the i-th request. A non-2xx answer is recorded, not thrown. */
export async function runLoad(o: { concurrency: number; requests: number; seconds: number; make: (i: number) => RequestSpec }): Promise<LoadResult> {
  const samples: Sample[] = [];
  const odd: string[] = [];
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + o.seconds * 1000;
  const client = async (): Promise<void> => {
    while (next < o.requests && performance.now() < deadline) {
      const spec = o.make(next++);
      const t = performance.now();
      const res = await fetch(spec.url, {
        method: spec.method ?? "GET",
        ...(spec.headers ? { headers: spec.headers } : {}),
        ...(spec.body !== undefined ? { body: spec.body } : {}),
      });
      const text = await res.text();
      samples.push({ ms: performance.now() - t, status: res.status });
      if (res.status !== 200 && odd.length < 3) odd.push(`${res.status} ${text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, client));
  const elapsedMs = performance.now() - t0;
  return { samples, odd, elapsedMs, rate: (samples.length / elapsedMs) * 1000 };
}

/** The q-quantile (0–1) of `xs`, nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i] as number;
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/**
 * Counts the answers that were not the expected status. More than `tolerated` (a share)
 * throws: a bench of errors measures nothing. Fewer are reported by the caller.
 */
export function unexpected(r: LoadResult, ok: (status: number) => boolean, what: string, tolerated = 0): number {
  const bad = r.samples.filter((s) => !ok(s.status)).length;
  if (bad > tolerated * r.samples.length) throw new Error(`${what}: ${bad} of ${r.samples.length} answers had an unexpected status: ${r.odd.join(" | ")}`);
  return bad;
}

/** Throws when any answer was not the expected status. */
export function expectStatus(r: LoadResult, ok: (status: number) => boolean, what: string): void {
  unexpected(r, ok, what, 0);
}
