import type { BuyerResponse, OutboundRequest } from "../integration/types";

const MAX_RESPONSE_BYTES = 20 * 1024;

export interface SendResult {
  response?: BuyerResponse;
  /** What `fetch` threw (connection refused, reset, invalid URL). */
  error?: unknown;
  /** Our abort timeout fired before the buyer answered. */
  timedOut: boolean;
}

/** One HTTP exchange with an abort timeout that covers the body too. Never throws. */
export async function send(req: OutboundRequest, timeoutMs: number, followRedirects: boolean): Promise<SendResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const res = await fetch(req.url, {
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

/** Whether a send that failed may still have reached the buyer (a timeout or a dropped connection). */
export function mayHaveArrived(s: SendResult): boolean {
  return s.timedOut || (s.error !== undefined && /reset|lost|closed|disconnect|aborted/i.test(String(s.error)));
}
