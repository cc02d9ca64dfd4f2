/**
 * Dot-paths with array indexes (`contact.phones[0].number`), compiled once into segment lists
 * so per-lead reads and writes are plain property accesses.
 */

export type PathSegment = string | number;

const SEGMENT_RE = /([^.[\]]+)|\[(\d+)\]/g;

/**
 * Splits `a.b[0].c` into `["a", "b", 0, "c"]`; throws on an empty or malformed path, and on a
 * `__proto__` segment (writing through it would change Object.prototype for the whole isolate).
 */
export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  if (!/^([^.[\]]+|\[\d+\])(\.[^.[\]]+|\[\d+\])*$/.test(path)) {
    throw new Error(`malformed path "${path}"`);
  }
  for (const m of path.matchAll(SEGMENT_RE)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) {
      if (m[1] === "__proto__") throw new Error(`path "${path}" may not use __proto__`);
      out.push(m[1]);
    }
  }
  return out;
}

// Reads are by own property only: a lead without `fields.constructor` has no such value, and
// must not answer with Object.prototype's (a function a buyer would then be sent).
function own(o: object, k: PathSegment): unknown {
  return Object.hasOwn(o, k) ? (o as Record<PathSegment, unknown>)[k] : undefined;
}

/** Lead paths may be written `lead.x` or `x`; both read the same field. */
export function parseLeadPath(path: string): PathSegment[] {
  const segs = parsePath(path);
  return segs[0] === "lead" && segs.length > 1 ? segs.slice(1) : segs;
}

/** Reads a value at a segment list; undefined when any step is missing. */
export function getPath(obj: unknown, segs: readonly PathSegment[]): unknown {
  let cur: unknown = obj;
  for (const s of segs) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = own(cur, s);
  }
  return cur;
}

// Only a name Object.prototype (or Array.prototype) has can be found by inheritance; a path
// made of other names keeps the plain property reads on the per-lead hot path.
function inheritable(k: PathSegment): boolean {
  return typeof k === "string" && (k in Object.prototype || k in Array.prototype);
}

/** A getter specialised for the path length, since most lead paths are one or two steps. */
export function compileGetter(segs: readonly PathSegment[]): (obj: unknown) => unknown {
  const [a, b] = segs;
  if (segs.length === 1 && a !== undefined && !inheritable(a)) {
    return (o) => (o !== null && typeof o === "object" ? (o as Record<PathSegment, unknown>)[a] : undefined);
  }
  if (segs.length === 2 && a !== undefined && b !== undefined && !inheritable(a) && !inheritable(b)) {
    return (o) => {
      if (o === null || typeof o !== "object") return undefined;
      const x = (o as Record<PathSegment, unknown>)[a];
      return x !== null && typeof x === "object" ? (x as Record<PathSegment, unknown>)[b] : undefined;
    };
  }
  return (o) => getPath(o, segs);
}

/**
 * Writes a value, creating objects for name segments and arrays for index segments.
 * Returns false when the path runs through an existing scalar (a mapping conflict).
 */
export function setPath(root: Record<string, unknown>, segs: readonly PathSegment[], value: unknown): boolean {
  let cur: Record<PathSegment, unknown> = root;
  for (let i = 0; i < segs.length - 1; i++) {
    const s = segs[i] as PathSegment;
    let next = inheritable(s) ? own(cur, s) : cur[s];
    if (next === undefined) {
      next = typeof segs[i + 1] === "number" ? [] : {};
      cur[s] = next;
    } else if (next === null || typeof next !== "object") {
      return false;
    }
    cur = next as Record<PathSegment, unknown>;
  }
  const last = segs[segs.length - 1];
  if (last === undefined) return false;
  cur[last] = value;
  return true;
}

/** Formats segments back to `a.b[0].c`. */
export function formatPath(segs: readonly PathSegment[]): string {
  let out = "";
  for (const s of segs) out += typeof s === "number" ? `[${s}]` : out === "" ? s : `.${s}`;
  return out;
}
