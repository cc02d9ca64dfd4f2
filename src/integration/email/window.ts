/**
 * The e-mail digest's time windows, apart from the MIME builder (mime.ts) so the BuyerGate can
 * collect a digest buyer's leads without loading mimetext: the mail is built only when sent.
 */

/** The digest window a moment falls in: [start, end) aligned to `minutes` since the epoch (UTC). */
export function digestWindow(nowMs: number, minutes: number): { startMs: number; endMs: number } {
  const size = minutes * 60_000;
  const startMs = Math.floor(nowMs / size) * size;
  return { startMs, endMs: startMs + size };
}
