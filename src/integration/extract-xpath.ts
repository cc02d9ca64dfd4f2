/**
 * XPath selectors over XML bodies. The engine is loaded on first need (`loadXPath`), and the
 * DOM is built lazily per body, since most buyers answer JSON.
 */
import type { DOMParser as DomParser } from "@xmldom/xmldom";
import type * as XPath from "xpath";
import type { ParsedBody } from "./extract-body";

/** The XPath engine (@xmldom/xmldom and xpath, ~380 KiB of code), once loaded. */
let xpathEngine: { DOMParser: typeof DomParser; xpath: typeof XPath } | undefined;

/**
 * Loads the XPath engine. Only rules that read XML answers with XPath need it (some XML and
 * SOAP buyers), so it is imported on first need instead of when the Worker starts: callers
 * that may evaluate an XPath selector on an XML body await this first (`usesXPath` tells).
 */
export async function loadXPath(): Promise<void> {
  if (xpathEngine) return;
  const [dom, xpath] = await Promise.all([import("@xmldom/xmldom"), import("xpath")]);
  xpathEngine = { DOMParser: dom.DOMParser, xpath };
}

const xpathUse = new WeakMap<object, boolean>();

/** Whether a config (or any part of one) holds an XPath selector anywhere. Cached per object. */
export function usesXPath(config: unknown): boolean {
  if (config === null || typeof config !== "object") return false;
  const hit = xpathUse.get(config);
  if (hit !== undefined) return hit;
  const found = Array.isArray(config)
    ? config.some(usesXPath)
    : Object.entries(config).some(([k, v]) => (k === "xpath" && typeof v === "string") || usesXPath(v));
  xpathUse.set(config, found);
  return found;
}

function engine(): NonNullable<typeof xpathEngine> {
  if (!xpathEngine) throw new Error("an XPath selector was evaluated before loadXPath()");
  return xpathEngine;
}

function domOf(body: ParsedBody): unknown {
  if (body.dom !== undefined) return body.dom;
  if (body.kind !== "xml" || body.data === undefined) {
    body.dom = null;
    return null;
  }
  const { DOMParser } = engine();
  body.dom = null;
  try {
    const doc = new DOMParser({
      onError: (level: string) => {
        if (level !== "warning") throw new Error("malformed xml");
      },
    }).parseFromString(body.raw.trim(), "text/xml");
    body.dom = doc;
  } catch {
    body.dom = null;
  }
  return body.dom;
}

/** Every node text (or the scalar result) an XPath expression finds in an XML body; [] when none or not XML. */
export function xpathAll(body: ParsedBody, expr: string, namespaces?: Record<string, string>): unknown[] {
  const doc = domOf(body);
  if (doc === null || doc === undefined) return [];
  const { xpath } = engine();
  let result: unknown;
  try {
    const node = doc as Parameters<typeof xpath.select>[1];
    result = namespaces ? xpath.useNamespaces(namespaces)(expr, node) : xpath.select(expr, node);
  } catch {
    return [];
  }
  if (Array.isArray(result)) {
    return (result as unknown[]).map((n) => {
      const node = n as { nodeType?: number; textContent?: string | null; nodeValue?: string | null };
      return node.textContent ?? node.nodeValue ?? undefined;
    });
  }
  if (result === null || result === undefined) return [];
  // Functions such as count() or string() yield a scalar; an empty string() means "no match".
  if (result === "") return [];
  return [result];
}
