/**
 * Per-buyer compiled writers that turn a field list's per-rule values straight into the wire
 * bytes, without building the nested payload object and walking it again.
 *
 * The output must be byte-identical to `compileSerializer(format).serialize(payload)` over the
 * payload the mapper would build (test/unit/integration/fast-paths.test.ts checks it against a
 * frozen copy of the reference code). That payload's shape depends on which rules produced a
 * value, so a writer is only compiled when the shape is predictable from the paths alone:
 *   - no path is a prefix or duplicate of another (setPath never conflicts or overwrites);
 *   - sibling keys are filled by non-interleaved runs of rules, so key order (insertion
 *     order) is the rules' order whatever subset of them produced a value;
 *   - no key JS orders specially or inherits (`"0"`, `__proto__`, `constructor`, …).
 * At run time a value that is not a string, number or boolean (an object from a constant or a
 * computed function, say) makes the writer return undefined and the caller falls back to the
 * payload + serializer path. Anything else unsupported (pretty XML, SOAP, CSV) gets no writer.
 */
import type { PathSegment } from "../path";
import { asciiBytes, formComponent, formPairs } from "./form-encode";
import { JSON_SPECIAL, SAFE_JSON, SAFE_XML } from "./plain-text";
import type { FormatConfig } from "./schema";
import { xmlAttributes, xmlText } from "./xml-writer";

/** Per-rule values (`absent` where a rule put nothing) → body, or undefined to fall back. */
export type FastWriter = (values: readonly unknown[]) => string | undefined;

interface Node {
  key: PathSegment;
  /** Rule index of a leaf; -1 for an inner node. */
  slot: number;
  children: Node[];
  /** Lowest and highest rule index under this node. */
  first: number;
  last: number;
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>';
const INDEX_LIKE = /^\d+$/;

function safeKey(s: PathSegment): boolean {
  return typeof s === "number" || (!INDEX_LIKE.test(s) && !(s in Object.prototype));
}

/** The paths as a tree, or undefined when the payload's shape is not fixed by them (see above). */
function buildTree(paths: readonly (readonly PathSegment[])[]): Node | undefined {
  const root: Node = { key: "", slot: -1, children: [], first: -1, last: -1 };
  for (let i = 0; i < paths.length; i++) {
    const segs = paths[i] as readonly PathSegment[];
    if (segs.length === 0 || typeof segs[0] === "number") return undefined;
    let cur = root;
    for (let d = 0; d < segs.length; d++) {
      const s = segs[d] as PathSegment;
      if (!safeKey(s) || cur.slot >= 0) return undefined;
      const sibling = cur.children[0];
      if (sibling && typeof sibling.key !== typeof s) return undefined;
      let next = cur.children.find((c) => c.key === s);
      const leaf = d === segs.length - 1;
      if (next) {
        if (leaf) return undefined;
        next.last = i;
      } else {
        next = { key: s, slot: leaf ? i : -1, children: [], first: i, last: i };
        cur.children.push(next);
      }
      cur = next;
    }
  }
  const ordered = (n: Node): boolean => {
    if (typeof n.children[0]?.key === "number") n.children.sort((a, b) => (a.key as number) - (b.key as number));
    else for (let i = 1; i < n.children.length; i++) if ((n.children[i - 1] as Node).last > (n.children[i] as Node).first) return false;
    return n.children.every(ordered);
  };
  return ordered(root) ? root : undefined;
}

const isArrayNode = (n: Node): boolean => typeof n.children[0]?.key === "number";

/** True when every value is absent or a string, number or boolean. */
function allScalar(values: readonly unknown[], absent: unknown): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== absent && typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") return false;
  }
  return true;
}

function leaves(n: Node, key: string, nesting: "dot" | "bracket", out: { slot: number; key: string }[]): void {
  if (n.slot >= 0) {
    out.push({ slot: n.slot, key });
    return;
  }
  const arr = isArrayNode(n);
  for (const c of n.children) {
    const k = key === "" ? String(c.key) : arr ? `${key}[${c.key}]` : nesting === "dot" ? `${key}.${c.key}` : `${key}[${c.key}]`;
    leaves(c, k, nesting, out);
  }
}

function formWriter(root: Node, nesting: "dot" | "bracket", absent: unknown): FastWriter {
  const pairs: { slot: number; key: string }[] = [];
  leaves(root, "", nesting, pairs);
  const slots = pairs.map((p) => p.slot);
  const keys = pairs.map((p) => asciiBytes(`${formComponent(p.key)}=`));
  const amp = pairs.map((p) => asciiBytes(`&${formComponent(p.key)}=`));
  return (values) => {
    if (!allScalar(values, absent)) return undefined;
    return formPairs(slots, keys, amp, values, absent);
  };
}

/** Writes a node's value; undefined when nothing under it is present. */
type Part = (values: readonly unknown[]) => string | undefined;

// What JSON.stringify escapes in a string (quote, backslash, control characters, lone
// surrogates: JSON_SPECIAL). Strings without any are written as they are, the rest through
// JSON.stringify.
function jsonScalar(v: unknown): string {
  if (typeof v === "string") return JSON_SPECIAL.test(v) ? JSON.stringify(v) : `"${v}"`;
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "null";
  return String(v);
}

/** jsonScalar for a rule whose text never needs escaping (SAFE_JSON): no check per lead. */
function jsonPlainScalar(v: unknown): string {
  return typeof v === "string" ? `"${v}"` : jsonScalar(v);
}

/** Whether a rule's text is plain in a format (`bit` from plain-text.ts). */
const plainIn = (safety: readonly number[], slot: number, bit: number): boolean => ((safety[slot] ?? 0) & bit) !== 0;

function jsonValue(n: Node, absent: unknown, safety: readonly number[]): Part {
  if (n.slot >= 0) {
    const slot = n.slot;
    const write = plainIn(safety, slot, SAFE_JSON) ? jsonPlainScalar : jsonScalar;
    return (values) => {
      const v = values[slot];
      return v === absent ? undefined : write(v);
    };
  }
  if (isArrayNode(n)) {
    const parts = n.children.map((c) => jsonValue(c, absent, safety));
    // Array items sit at their index; holes before the last present item are JSON nulls.
    const idx = n.children.map((c) => c.key as number);
    return (values) => {
      let out: string[] | undefined;
      for (let i = 0; i < parts.length; i++) {
        const s = (parts[i] as Part)(values);
        if (s === undefined) continue;
        out ??= [];
        const at = idx[i] as number;
        while (out.length < at) out.push("null");
        out.push(s);
      }
      return out && `[${out.join(",")}]`;
    };
  }
  // Leaves are written inline (slot ≥ 0); inner nodes through their own part.
  const slots = n.children.map((c) => c.slot);
  const plain = n.children.map((c) => c.slot >= 0 && plainIn(safety, c.slot, SAFE_JSON));
  const parts = n.children.map((c) => (c.slot >= 0 ? undefined : jsonValue(c, absent, safety)));
  const first = n.children.map((c) => `{${JSON.stringify(c.key)}:`);
  const next = n.children.map((c) => `,${JSON.stringify(c.key)}:`);
  // The same with the string's opening quote: a plain string is then one key-and-quote, the
  // text and the closing quote, with no quoted copy of the text built first.
  const firstQ = first.map((k) => `${k}"`);
  const nextQ = next.map((k) => `${k}"`);
  return (values) => {
    let out = "";
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as number;
      if (slot >= 0) {
        const v = values[slot];
        if (v === absent) continue;
        if (typeof v === "string" && (plain[i] || !JSON_SPECIAL.test(v))) out = `${out}${(out === "" ? firstQ[i] : nextQ[i]) as string}${v}"`;
        else out = out + ((out === "" ? first[i] : next[i]) as string) + jsonScalar(v);
      } else {
        const s = (parts[i] as Part)(values);
        if (s === undefined) continue;
        out = out + ((out === "" ? first[i] : next[i]) as string) + s;
      }
    }
    return out === "" ? undefined : `${out}}`;
  };
}

function jsonWriter(root: Node, absent: unknown, safety: readonly number[]): FastWriter {
  const body = jsonValue(root, absent, safety);
  return (values) => (allScalar(values, absent) ? (body(values) ?? "{}") : undefined);
}

/** The element(s) for a node named `name` (xml-writer's `element`); extra attributes on objects only. */
function xmlElement(n: Node, name: string, prefix: string, absent: unknown, safety: readonly number[], extraAttrs = ""): Part | undefined {
  if (n.slot >= 0) {
    const slot = n.slot,
      open = `<${name}>`,
      close = `</${name}>`;
    const text = plainIn(safety, slot, SAFE_XML) ? xmlPlainText : xmlText;
    return (values) => {
      const v = values[slot];
      return v === absent ? undefined : open + text(v) + close;
    };
  }
  if (isArrayNode(n)) {
    const items: Part[] = [];
    for (const c of n.children) {
      if (isArrayNode(c)) return undefined;
      const p = xmlElement(c, name, prefix, absent, safety);
      if (!p) return undefined;
      items.push(p);
    }
    return (values) => {
      let out: string | undefined;
      for (const p of items) {
        const s = p(values);
        if (s !== undefined) out = out === undefined ? s : out + s;
      }
      return out;
    };
  }
  // Children in key order; each lands in the open tag (attribute), as text, or as an element.
  // A leaf element is written here (no call, no string of its own); one shape for every child.
  const ATTR = 0,
    TEXT = 1,
    LEAF = 2,
    ELEMENT = 3;
  type Child = { kind: number; slot: number; head: string; tail: string; plain: boolean; part: Part | undefined };
  const kids: Child[] = [];
  for (const c of n.children) {
    const k = c.key as string;
    const plain = plainIn(safety, c.slot, SAFE_XML);
    if (k.startsWith(prefix)) {
      if (c.slot < 0) return undefined;
      kids.push({ kind: ATTR, slot: c.slot, head: ` ${k.slice(prefix.length)}="`, tail: '"', plain, part: undefined });
    } else if (k === "#text") {
      if (c.slot < 0) return undefined;
      kids.push({ kind: TEXT, slot: c.slot, head: "", tail: "", plain, part: undefined });
    } else if (c.slot >= 0) {
      kids.push({ kind: LEAF, slot: c.slot, head: `<${k}>`, tail: `</${k}>`, plain, part: undefined });
    } else {
      const part = xmlElement(c, k, prefix, absent, safety);
      if (!part) return undefined;
      kids.push({ kind: ELEMENT, slot: -1, head: "", tail: "", plain, part });
    }
  }
  const openTag = `<${name}${extraAttrs}`,
    close = `</${name}>`;
  return (values) => {
    let present = false;
    let open = openTag;
    let inner = "";
    for (let i = 0; i < kids.length; i++) {
      const kid = kids[i] as Child;
      if (kid.kind === ELEMENT) {
        const s = (kid.part as Part)(values);
        if (s === undefined) continue;
        inner += s;
      } else {
        const v = values[kid.slot];
        if (v === absent) continue;
        const t = kid.plain && typeof v === "string" ? v : xmlText(v);
        if (kid.kind === ATTR) open = open + kid.head + t + kid.tail;
        else inner = inner + kid.head + t + kid.tail;
      }
      present = true;
    }
    return present ? `${open}>${inner}${close}` : undefined;
  };
}

/** xmlText for a rule whose text never needs escaping (SAFE_XML): no check per lead. */
function xmlPlainText(v: unknown): string {
  return typeof v === "string" ? v : xmlText(v);
}

/**
 * Compiles a writer for a buyer's wire format and its field-list paths (one per rule, in
 * rule order); undefined when this format or these paths need the general serializer.
 * `absent` is the value marking a rule that produced nothing; `safety` (per rule, bits from
 * plain-text.ts; none by default) says whose text can be written without the escaping check.
 */
export function compileFastWriter(
  format: FormatConfig,
  paths: readonly (readonly PathSegment[])[],
  absent: unknown,
  safety: readonly number[] = [],
): FastWriter | undefined {
  const root = buildTree(paths);
  if (!root) return undefined;
  switch (format.type) {
    case "json":
      return jsonWriter(root, absent, safety);
    case "form":
    case "query":
      return formWriter(root, format.nesting, absent);
    case "xml": {
      if (format.pretty) return undefined;
      const decl = format.declaration ? XML_DECL : "";
      const rootTag = `<${format.root}${xmlAttributes(format.rootAttributes)}>`;
      const rootClose = `</${format.root}>`;
      const part = xmlElement(root, format.root, format.attributePrefix, absent, safety, xmlAttributes(format.rootAttributes));
      if (!part) return undefined;
      // The root element is written even when the payload is empty.
      return (values) => (allScalar(values, absent) ? decl + (part(values) ?? rootTag + rootClose) : undefined);
    }
    default:
      return undefined;
  }
}
