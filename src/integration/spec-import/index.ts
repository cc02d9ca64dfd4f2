/**
 * Reading a buyer's own posting spec into a checked buyer config (`npm run buyer:new`). Pure: the
 * CLI reads and writes the files.
 *
 *   importSpec(text, {fileName, operation}) → ImportedSpec   (OpenAPI 3, sample request, field table)
 *   generateBuyer(spec, {id, verticals, url}) → GeneratedBuyer (config + what became of each field)
 */
import { importOpenApi } from "./openapi";
import { importSample } from "./sample";
import { importTable } from "./table";
import type { ImportedSpec } from "./types";

export type { Coverage, FieldReport, FieldStatus, GeneratedBuyer, GenerateOptions } from "./generate";
export { generateBuyer } from "./generate";
export type { ResponseReading } from "./responses";
export type { ImportedField, ImportedSpec } from "./types";
export { SpecImportError } from "./types";

export type SpecKind = "openapi" | "sample" | "table";

/** The first line that is not blank and not a `#` directive. */
function firstContentLine(text: string): string {
  for (const line of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    const t = line.trim();
    if (t !== "" && !t.startsWith("#")) return t;
  }
  return "";
}

/** Which kind of spec a file is, from its extension and content. */
export function detectSpecKind(fileName: string, text: string): SpecKind {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase() ?? "";
  const first = firstContentLine(text);
  if (ext === "csv") return "table";
  if (/^(openapi|swagger)\s*:/.test(first) || /^\{\s*"(openapi|swagger)"\s*:/.test(text.trim())) return "openapi";
  if (ext === "yaml" || ext === "yml") return "openapi";
  if (ext === "json") {
    try {
      const v = JSON.parse(text) as unknown;
      if (v !== null && typeof v === "object" && ("openapi" in v || "swagger" in v)) return "openapi";
    } catch {
      // not JSON after all: read as a sample, which reports the parse error
    }
    return "sample";
  }
  if (/^(GET|POST|PUT|PATCH)\s+\S+/i.test(first)) return "sample";
  const cells = first
    .toLowerCase()
    .split(",")
    .map((c) => c.trim().replace(/^"|"$/g, ""));
  if (cells.includes("name") && cells.some((c) => c.startsWith("required"))) return "table";
  return "sample";
}

/** Reads a spec of any supported kind. `operation` chooses an OpenAPI operation. */
export function importSpec(text: string, opts: { fileName: string; operation?: string; kind?: SpecKind }): ImportedSpec {
  const kind = opts.kind ?? detectSpecKind(opts.fileName, text);
  if (kind === "openapi") return importOpenApi(text, opts.operation);
  if (kind === "table") return importTable(text);
  return importSample(text);
}
