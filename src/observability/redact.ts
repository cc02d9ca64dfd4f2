/**
 * The one redaction function: every log line, stored attempt and dashboard value that may
 * hold lead data goes through here. Masks by key name (phone, email, ssn, dob, street …) and
 * by value shape (anything that looks like an email, a phone number, an SSN or a date of
 * birth), so a buyer's field renamed to `cust_tel` is masked as well as `phone`.
 */

const SENSITIVE_KEY =
  /(phone|mobile|cell|tel|fax|email|e_mail|ssn|social|dob|birth|street|address1|address_1|addr1|address_line|line1|first_name|last_name|firstname|lastname|fname|lname|full_name|password|secret|token|authorization|api[-_]?key|signature|cookie)/i;

/** Short names that are PII only as a whole key or tag (`<First>`, `"last"`), not as a substring. */
const SENSITIVE_EXACT = /^(first|last|given|family|surname|middle|fname|lname|mname|name|fullname|givenname|familyname|street|addr|dob|ssn)$/i;

function sensitive(key: string): boolean {
  return SENSITIVE_KEY.test(key) || SENSITIVE_EXACT.test(key.replace(/^.*:/, ""));
}

const EMAIL_RE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const SSN_RE = /\b\d{3}-\d{2}-\d{4}\b/g;
// 10–11 digit phone numbers in the common US writings: 2025550123, (202) 555-0123, +1-202-555-0123, 202.555.0123
const PHONE_RE = /(?:\+?1[\s.-]?)?\(?\b\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b/g;
// Dates that could be a date of birth: 1985-08-09, 08/09/1985, 8/9/1985, 08091985 is left (ambiguous with ids)
const DATE_RE = /\b(?:(?:19|20)\d{2}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}\/(?:19|20)\d{2})\b/g;

/** Masks a string value by shape: keeps the last 2 characters of a phone, the email domain. */
export function redactString(s: string): string {
  return s
    .replace(EMAIL_RE, (m) => {
      const at = m.indexOf("@");
      return `***@${m.slice(at + 1)}`;
    })
    .replace(SSN_RE, "***-**-****")
    .replace(PHONE_RE, (m) => `***${m.replace(/\D/g, "").slice(-2)}`)
    .replace(DATE_RE, "****-**-**");
}

function maskWholeValue(v: unknown): unknown {
  if (v === null || v === undefined || v === "") return v;
  if (typeof v === "boolean") return v;
  return "[redacted]";
}

/** Deep-redacts any JSON-like value. Pure; never throws; handles cycles. */
export function redact<T>(value: T, seen: WeakSet<object> = new WeakSet()): T {
  if (typeof value === "string") return redactString(value) as T;
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[circular]" as T;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, seen)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (sensitive(k) && (typeof v !== "object" || v === null)) out[k] = maskWholeValue(v);
    else out[k] = redact(v, seen);
  }
  return out as T;
}

/** Redacts a serialized body whatever its format (JSON, XML, form, query, CSV, text). */
export function redactBody(body: string): string {
  const trimmed = body.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.stringify(redact(JSON.parse(body) as unknown));
    } catch {
      // not JSON after all: fall through to the shape-based masking
    }
  }
  if (trimmed.startsWith("<")) {
    // XML/SOAP: mask element text and attributes by name, then by shape
    return redactString(
      body
        .replace(/<([A-Za-z_][\w.:-]*)([^>]*)>([^<]*)<\/\1>/g, (m, tag: string, attrs: string, text: string) =>
          sensitive(tag) && text.trim() !== "" ? `<${tag}${attrs}>[redacted]</${tag}>` : m,
        )
        .replace(/([A-Za-z_][\w.:-]*)="([^"]*)"/g, (m, name: string) => (sensitive(name) ? `${name}="[redacted]"` : m)),
    );
  }
  if (/^[^\s=&]+=[^&]*(&[^\s=&]+=[^&]*)*$/.test(trimmed)) {
    const params = new URLSearchParams(body);
    const out = new URLSearchParams();
    for (const [k, v] of params) out.append(k, sensitive(k.replace(/\]$/, "").replace(/^.*\[/, "")) ? "[redacted]" : redactString(v));
    return out.toString();
  }
  return redactString(body);
}

/** Redacts a URL's query string (query-string buyers carry the lead in the URL). */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  return `${url.slice(0, q)}?${redactBody(url.slice(q + 1))}`;
}

/** Headers with credentials and PII masked. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    out[k] = /^(authorization|cookie|x-api-key|api-key|x-auth-token|proxy-authorization)$/i.test(k) || SENSITIVE_KEY.test(k) ? "[redacted]" : redactString(v);
  }
  return out;
}
