/**
 * application/x-www-form-urlencoded per the URL standard (the bytes URLSearchParams produces:
 * space → "+", everything but `*-._` and ASCII alphanumerics percent-encoded as UTF-8, a lone
 * surrogate sent as U+FFFD).
 *
 * Leads carry a few hundred characters of consent text and URLs, so encoding is the bulk of a
 * form buyer's serialization cost. A body is written into one module-level byte buffer: each
 * character (or, for long or non-ASCII text, each UTF-8 byte from TextEncoder.encodeInto, which
 * also turns lone surrogates into U+FFFD) is expanded through lookup tables, and the buffer is
 * decoded to a string once per body. Plain functions over constant buffers, not a class: V8
 * keeps these loops several times faster that way (measured).
 */

const HEX = "0123456789ABCDEF";
// Per byte (or ASCII character): its encoding as up to three bytes packed little-endian into
// one 32-bit word (one store per byte of input), and how many of those bytes count.
const ENC = new Uint32Array(256);
const LEN = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  if (c < 128 && /[A-Za-z0-9*._-]/.test(String.fromCharCode(c))) {
    ENC[c] = c;
    LEN[c] = 1;
  } else if (c === 32) {
    ENC[c] = 43; // "+"
    LEN[c] = 1;
  } else {
    ENC[c] = 37 | (HEX.charCodeAt(c >> 4) << 8) | (HEX.charCodeAt(c & 15) << 16); // "%XX"
    LEN[c] = 3;
  }
}

// Where encodeURIComponent and the form encoding differ (the string path, for keys and huge values).
const SPACE = /%20/g;
const HAS_FIXUP = /[!'()~]/;
const FORM_FIXUP = /[!'()~]/g;
const FORM_FIXES: Record<string, string> = { "!": "%21", "'": "%27", "(": "%28", ")": "%29", "~": "%7E" };
const HAS_LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function formComponentString(s: string): string {
  // A lone surrogate makes encodeURIComponent throw; URLSearchParams sends U+FFFD instead.
  const wellFormed = HAS_LONE_SURROGATE.test(s) ? s.replace(LONE_SURROGATE, "\uFFFD") : s;
  const e = encodeURIComponent(wellFormed).replace(SPACE, "+");
  return HAS_FIXUP.test(e) ? e.replace(FORM_FIXUP, (m) => FORM_FIXES[m] ?? m) : e;
}

/** Encodes one form key or value (keys are encoded once per buyer, so this is the simple path). */
export function formComponent(s: string): string {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || LEN[c] !== 1 || c === 32) return formComponentString(s);
  }
  return s;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const OUT = new Uint8Array(32_768);
const OUT_VIEW = new DataView(OUT.buffer);
// UTF-8 bytes of one value; a value that could outgrow either buffer takes the string path.
const UTF8 = new Uint8Array(Math.floor(OUT.length / 9));
const MAX_VALUE = Math.floor(UTF8.length / 3);
let len = 0;
let spilled = "";

/** Moves what is buffered into `spilled` so `n` more bytes fit. */
function room(n: number): void {
  if (len + n <= OUT.length) return;
  spilled += decoder.decode(OUT.subarray(0, len));
  len = 0;
}

/**
 * Starts a new body in the module's buffer. Bodies are written synchronously from `formStart`
 * to `formEnd`, so one buffer per isolate is enough.
 */
export function formStart(): void {
  len = 0;
  spilled = "";
}

/** True when nothing has been written since `formStart`. */
export function formIsEmpty(): boolean {
  return len === 0 && spilled === "";
}

/** Appends text known to be ASCII (already-encoded keys, `&`, `=`). */
export function formAscii(s: string): void {
  const n = s.length;
  if (n > OUT.length) {
    room(OUT.length);
    spilled += s;
    return;
  }
  room(n);
  let j = len;
  for (let i = 0; i < n; i++) OUT[j++] = s.charCodeAt(i);
  len = j;
}

/** Appends `s` form-encoded. */
export function formValue(s: string): void {
  const n = s.length;
  if (n > MAX_VALUE) {
    formAscii(formComponentString(s));
    return;
  }
  // 9 bytes per character at most, plus one for the last 4-byte store.
  room(n * 9 + 1);
  // Long text: native UTF-8 encoding plus a byte loop beats charCodeAt per character.
  if (n >= 32) {
    expandUtf8(s);
    return;
  }
  const start = len;
  let j = start;
  // Branch-free per character: always store four bytes, advance by the real length.
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) {
      len = start;
      expandUtf8(s);
      return;
    }
    OUT_VIEW.setUint32(j, ENC[c] as number, true);
    j += LEN[c] as number;
  }
  len = j;
}

/** Room for 9 bytes per character (+1) must already be made. */
function expandUtf8(s: string): void {
  const n = encoder.encodeInto(s, UTF8).written;
  let j = len;
  for (let i = 0; i < n; i++) {
    const c = UTF8[i] as number;
    OUT_VIEW.setUint32(j, ENC[c] as number, true);
    j += LEN[c] as number;
  }
  len = j;
}

/** The body written since `formStart`. */
export function formEnd(): string {
  const tail = decoder.decode(OUT.subarray(0, len));
  len = 0;
  const out = spilled === "" ? tail : spilled + tail;
  spilled = "";
  return out;
}

/** ASCII text as bytes, for keys written on every lead (`OUT.set` beats a character loop). */
export function asciiBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/**
 * Writes `key=value` pairs for the present values (`absent` marks the others): `keys[i]` holds
 * the encoded key with its `=` as bytes, `ampKeys[i]` the same after `&`. One call and one
 * decode per body, so the per-value work stays inside this module.
 */
export function formPairs(
  slots: readonly number[],
  keys: readonly Uint8Array[],
  ampKeys: readonly Uint8Array[],
  values: readonly unknown[],
  absent: unknown,
): string {
  formStart();
  let first = true;
  for (let i = 0; i < slots.length; i++) {
    const v = values[slots[i] as number];
    if (v === absent) continue;
    const k = (first ? keys[i] : ampKeys[i]) as Uint8Array;
    first = false;
    if (k.length > OUT.length) formAscii(decoder.decode(k));
    else {
      room(k.length);
      OUT.set(k, len);
      len += k.length;
    }
    formValue(typeof v === "string" ? v : String(v));
  }
  return formEnd();
}

// Payload keys repeat on every lead of a buyer: encode each once.
const encodedKeys = new Map<string, string>();
function formKey(k: string): string {
  let e = encodedKeys.get(k);
  if (e === undefined) {
    e = formComponent(k);
    if (encodedKeys.size > 10_000) encodedKeys.clear();
    encodedKeys.set(k, e);
  }
  return e;
}

/** Flattens and form-encodes in one walk (same output as URLSearchParams over `flatten`). */
export function formEncodePayload(payload: Record<string, unknown>, nesting: "dot" | "bracket"): string {
  formStart();
  const walk = (v: unknown, key: string): void => {
    if (v === undefined) return;
    if (v !== null && typeof v === "object") {
      if (Array.isArray(v))
        v.forEach((x, i) => {
          walk(x, `${key}[${i}]`);
        });
      else for (const k in v) walk((v as Record<string, unknown>)[k], nesting === "dot" ? `${key}.${k}` : `${key}[${k}]`);
      return;
    }
    if (!formIsEmpty()) formAscii("&");
    formAscii(formKey(key));
    formAscii("=");
    formValue(typeof v === "string" ? v : v === null ? "" : String(v));
  };
  for (const k in payload) walk(payload[k], k);
  return formEnd();
}
