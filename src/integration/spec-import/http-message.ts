/**
 * The sample-request file format (documented in README, "Generate a buyer from its spec"):
 *
 * ```
 * # optional: phone_work, address2     ← directives, before the request line (all optional)
 * # vertical: auto_insurance
 * POST https://api.buyer.example/leads HTTP/1.1
 * Content-Type: application/json
 * X-API-Key: 3f9a…                      ← credentials are recognised, never copied
 *
 * {"first_name": "Jane", …}
 * ###                                   ← each documented answer follows a ### line
 * HTTP/1.1 200 OK
 * Content-Type: application/json
 *
 * {"status": "accepted", "lead_id": "123"}
 * ```
 *
 * A file may also be just a body (JSON, XML or form-encoded), with or without directives.
 */
import { SpecImportError } from "./types";

export interface HttpMessage {
  /** `# key: value` lines before the request line (`# allowed Loan.Purpose: A|B` keeps the path's case after the word). */
  directives: Record<string, string>;
  method?: string;
  url?: string;
  headers: [string, string][];
  body: string;
  responses: { status: number; headers: [string, string][]; body: string }[];
}

const REQUEST_LINE = /^(GET|POST|PUT|PATCH)\s+(\S+)(\s+HTTP\/\d(\.\d)?)?\s*$/i;
const STATUS_LINE = /^HTTP\/\d(\.\d)?\s+(\d{3})\b.*$/i;
const DIRECTIVE = /^#\s*([A-Za-z][\w .[\]-]*?)\s*:\s*(.*?)\s*$/;

/** Splits head lines into headers until the blank line; returns headers and the rest as body. */
function headersAndBody(lines: string[], where: string): { headers: [string, string][]; body: string } {
  const headers: [string, string][] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === "") {
      i++;
      break;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) throw new SpecImportError(`${where}: "${line}" is not a header (Name: value); leave a blank line before the body`);
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return { headers, body: lines.slice(i).join("\n").trim() };
}

/** Reads a sample-request file: directives, an optional request line with headers, the body, answers. */
export function parseHttpMessage(text: string): HttpMessage {
  const parts = text.replace(/\r\n?/g, "\n").split(/^###[^\n]*$/m);
  const lines = (parts[0] ?? "").split("\n");
  const directives: Record<string, string> = {};
  let i = 0;
  for (; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (line === "") continue;
    if (!line.startsWith("#")) break;
    const d = DIRECTIVE.exec(line);
    if (d?.[1] && d[2] !== undefined) {
      const key = d[1].replace(/^(\S+)/, (w) => w.toLowerCase());
      directives[key] = d[2];
    }
  }
  const rest = lines.slice(i);
  const first = (rest[0] ?? "").trim();
  const msg: HttpMessage = { directives, headers: [], body: "", responses: [] };
  const req = REQUEST_LINE.exec(first);
  if (req?.[1] && req[2]) {
    msg.method = req[1].toUpperCase();
    const { headers, body } = headersAndBody(rest.slice(1), "request");
    msg.headers = headers;
    msg.body = body;
    const host = headers.find(([k]) => k.toLowerCase() === "host")?.[1];
    msg.url = /^https?:\/\//i.test(req[2]) ? req[2] : host ? `https://${host}${req[2].startsWith("/") ? "" : "/"}${req[2]}` : req[2];
  } else {
    msg.body = rest.join("\n").trim();
  }
  for (const part of parts.slice(1)) {
    const pl = part.replace(/^\n+/, "").split("\n");
    const status = STATUS_LINE.exec((pl[0] ?? "").trim());
    if (!status?.[2]) throw new SpecImportError(`a documented answer must start with a status line such as "HTTP/1.1 200 OK" (got "${(pl[0] ?? "").trim()}")`);
    const { headers, body } = headersAndBody(pl.slice(1), `answer ${status[2]}`);
    msg.responses.push({ status: Number(status[2]), headers, body });
  }
  return msg;
}

/** A header's value, case-insensitively. */
export function headerOf(headers: [string, string][], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([k]) => k.toLowerCase() === lower)?.[1];
}

/** Comma-separated directive values (`# optional: a, b`). */
export function listDirective(d: Record<string, string>, key: string): string[] {
  const v = d[key];
  return v
    ? v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}
