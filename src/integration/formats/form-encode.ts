/**
 * application/x-www-form-urlencoded per the URL standard (the bytes URLSearchParams produces:
 * space → "+", everything but `*-._` and ASCII alphanumerics percent-encoded as UTF-8, a lone
 * surrogate sent as U+FFFD).
 *
 * Leads carry a few hundred characters of consent text and URLs, so encoding is the bulk of a
 * form buyer's serialization cost. Each character (or, beyond ASCII, each UTF-8 byte from
 * TextEncoder.encodeInto, which also turns lone surrogates into U+FFFD) is expanded through
 * lookup tables into one reusable output buffer, decoded to a string once per body.
 */

const HEX = "0123456789ABCDEF";
// Per byte: its encoding as up to three bytes, and how many of them count.
const B0 = new Uint8Array(256);
const B1 = new Uint8Array(256);
const B2 = new Uint8Array(256);
const LEN = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  if (c < 128 && /[A-Za-z0-9*._-]/.test(String.fromCharCode(c))) {
    B0[c] = c;
    LEN[c] = 1;
  } else if (c === 32) {
    B0[c] = 43; // "+"
    LEN[c] = 1;
  } else {
    B0[c] = 37; // "%"
    B1[c] = HEX.charCodeAt(c >> 4);
    B2[c] = HEX.charCodeAt(c & 15);
    LEN[c] = 3;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// Scratch for one value's UTF-8 bytes; a longer value gets its own.
const UTF8 = new Uint8Array(16_384);

/**
 * An append-only ASCII byte buffer reused across bodies (serialization is synchronous, so one
 * per isolate is enough). `take()` returns the text written since `reset()`.
 */
export class FormBuffer {
  private buf = new Uint8Array(8192);
  private len = 0;

  reset(): void {
    this.len = 0;
  }

  get length(): number {
    return this.len;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Appends text known to be ASCII (already-encoded keys, `&`, `=`). */
  ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const b = this.buf;
    let j = this.len;
    for (let i = 0; i < n; i++) b[j++] = s.charCodeAt(i);
    this.len = j;
  }

  /** Appends `s` form-encoded. */
  component(s: string): void {
    const n = s.length;
    // Long values: native UTF-8 encoding plus a byte loop beats charCodeAt per character.
    if (n >= 32) {
      this.utf8(s);
      return;
    }
    this.room(n * 3 + 2);
    const b = this.buf;
    const start = this.len;
    let j = start;
    // Branch-free per character: always store three bytes, advance by the real length.
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128) {
        this.len = start;
        this.utf8(s);
        return;
      }
      b[j] = B0[c] as number;
      b[j + 1] = B1[c] as number;
      b[j + 2] = B2[c] as number;
      j += LEN[c] as number;
    }
    this.len = j;
  }

  /** `component` via UTF-8 bytes (long text, or any text beyond ASCII), expanded byte by byte. */
  private utf8(s: string): void {
    // A UTF-16 unit is at most 3 UTF-8 bytes, each at most 3 output bytes.
    const src = s.length * 3 <= UTF8.length ? UTF8 : new Uint8Array(s.length * 3);
    const n = encoder.encodeInto(s, src).written;
    this.room(n * 3 + 2);
    const b = this.buf;
    let j = this.len;
    for (let i = 0; i < n; i++) {
      const c = src[i] as number;
      b[j] = B0[c] as number;
      b[j + 1] = B1[c] as number;
      b[j + 2] = B2[c] as number;
      j += LEN[c] as number;
    }
    this.len = j;
  }

  take(): string {
    return decoder.decode(this.buf.subarray(0, this.len));
  }
}

const shared = new FormBuffer();
// Separate from `shared`: keys are encoded (and cached) while a body is being written.
const single = new FormBuffer();

/** The isolate's shared buffer, reset; use it synchronously and `take()` before yielding. */
export function formBuffer(): FormBuffer {
  shared.reset();
  return shared;
}

/** Encodes one form key or value. */
export function formComponent(s: string): string {
  const n = s.length;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || LEN[c] !== 1 || c === 32) break;
  }
  if (i === n) return s;
  single.reset();
  single.component(s);
  return single.take();
}
