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
      await res.arrayBuffer();
      samples.push({ ms: performance.now() - t, status: res.status });
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, client));
  const elapsedMs = performance.now() - t0;
  return { samples, elapsedMs, rate: (samples.length / elapsedMs) * 1000 };
}

/** The q-quantile (0–1) of `xs`, nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i] as number;
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** Throws when any answer was not the expected status: a bench of errors measures nothing. */
export function expectStatus(r: LoadResult, ok: (status: number) => boolean, what: string): void {
  const bad = r.samples.filter((s) => !ok(s.status));
  if (bad.length > 0) throw new Error(`${what}: ${bad.length} of ${r.samples.length} answers had an unexpected status (e.g. ${bad[0]?.status})`);
}
