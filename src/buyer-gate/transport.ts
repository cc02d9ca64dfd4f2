import type { BuyerResponse, OutboundRequest } from "../integration/types";

const MAX_RESPONSE_BYTES = 20 * 1024;

/** The fetch a request to a buyer goes through: the global one, or a client-certificate binding's (channels/mtls.ts). */
export type OutboundFetch = (url: string, init: RequestInit) => Promise<Response>;

/** The runtime's own fetch, called as a plain function. */
export const globalFetch: OutboundFetch = (url, init) => fetch(url, init);

export interface SendResult {
  response?: BuyerResponse;
  /** What `fetch` threw (connection refused, reset, invalid URL). */
  error?: unknown;
  /** Our abort timeout fired before the buyer answered. */
  timedOut: boolean;
}

/**
 * The gate's outbound connections. A Worker keeps only a few connections open at once (6) and
 * queues the rest inside the runtime; a request waiting there has not reached the buyer. The
 * gate waits for a slot *before* it starts the request's timeout, so the timeout covers only
 * the time on the wire and a fast buyer under load is not recorded as a timeout.
 */
export class Connections {
  #free: number;
  #waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.#free = size;
  }

  /** Requests waiting for a connection now. */
  get queued(): number {
    return this.#waiting.length;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

/**
 * One HTTP exchange on one of the gate's connections, with an abort timeout that starts when
 * the request goes out and covers the body too. Never throws.
 */
export async function send(
  connections: Connections,
  req: OutboundRequest,
  timeoutMs: number,
  followRedirects: boolean,
  via: OutboundFetch = globalFetch,
): Promise<SendResult> {
  await connections.acquire();
  try {
    return await sendOnConnection(req, timeoutMs, followRedirects, via);
  } finally {
    connections.release();
  }
}

/**
 * One HTTP exchange for a caller that already holds one of the gate's connections. Never throws.
 * `via` is the fetch it goes through (issue 16: a client-certificate binding's, channels/mtls.ts).
 */
export async function sendOnConnection(
  req: OutboundRequest,
  timeoutMs: number,
  followRedirects: boolean,
  via: OutboundFetch = globalFetch,
): Promise<SendResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const res = await via(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      redirect: followRedirects ? "follow" : "manual",
      signal: controller.signal,
    });
    const body = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      headers[key.toLowerCase()] = value;
    });
    return { response: { status: res.status, headers, body }, timedOut: false };
  } catch (error) {
    return timedOut ? { timedOut: true } : { error, timedOut: false };
  } finally {
    clearTimeout(timer);
  }
}

/** The buyer's answer with its body cut at 20 KB (kept for the attempt history). */
export function truncateBody(res: BuyerResponse): BuyerResponse {
  const bytes = new TextEncoder().encode(res.body);
  if (bytes.length <= MAX_RESPONSE_BYTES) return res;
  return { ...res, body: new TextDecoder().decode(bytes.slice(0, MAX_RESPONSE_BYTES)) };
}
