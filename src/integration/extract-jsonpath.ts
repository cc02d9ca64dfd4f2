/**
 * The JSON-path subset selectors use (`$.a.b[0].c`, `errors[*].message`, `a['odd key']`),
 * compiled once per path and cached.
 */

type JsonSeg = string | number | "*";
const WILDCARD = "*" as const;
const jsonPathCache = new Map<string, JsonSeg[] | null>();

/**
 * Compiles `$.a.b[0].c`, `a.b[0].c`, `$[0].message`, `errors[*].message`, `a['odd key']`.
 * Returns null for a malformed path (a config error the schema reports).
 */
export function compileJsonPath(path: string): JsonSeg[] | null {
  const hit = jsonPathCache.get(path);
  if (hit !== undefined) return hit;
  const segs: JsonSeg[] = [];
  let i = 0;
  let p = path.trim();
  if (p.startsWith("$")) {
    p = p.slice(1);
    if (p.startsWith(".")) p = p.slice(1);
  }
  let ok = true;
  while (i < p.length && ok) {
    const ch = p[i];
    if (ch === "[") {
      const end = p.indexOf("]", i);
      if (end < 0) {
        ok = false;
        break;
      }
      const inner = p.slice(i + 1, end).trim();
      if (inner === "*") segs.push(WILDCARD);
      else if (/^\d+$/.test(inner)) segs.push(Number(inner));
      else if (/^'.*'$|^".*"$/.test(inner)) segs.push(inner.slice(1, -1));
      else ok = false;
      i = end + 1;
      if (p[i] === ".") i++;
    } else {
      let j = i;
      while (j < p.length && p[j] !== "." && p[j] !== "[") j++;
      const name = p.slice(i, j);
      if (name === "") ok = false;
      else segs.push(name === "*" ? WILDCARD : name);
      i = j;
      if (p[i] === ".") {
        i++;
        if (i === p.length) ok = false;
      }
    }
  }
  const result = ok ? segs : null;
  if (jsonPathCache.size < 10_000) jsonPathCache.set(path, result);
  return result;
}

function walk(values: unknown[], seg: JsonSeg): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if (v === null || typeof v !== "object") continue;
    if (seg === WILDCARD) {
      if (Array.isArray(v)) out.push(...(v as unknown[]));
      else out.push(...Object.values(v as Record<string, unknown>));
      continue;
    }
    // XML parsed to objects turns a repeated element into an array and a single one into an
    // object; `a.b` on an array therefore reads every element's `b`, and `[0]` on a single
    // object reads the object itself, so one path works whether one or many elements came.
    if (Array.isArray(v)) {
      if (typeof seg === "number") {
        if (seg < v.length) out.push(v[seg]);
      } else {
        for (const item of v as unknown[]) {
          if (item !== null && typeof item === "object" && !Array.isArray(item) && Object.hasOwn(item, seg)) {
            out.push((item as Record<string, unknown>)[seg]);
          }
        }
      }
      continue;
    }
    if (typeof seg === "number") {
      if (seg === 0) out.push(v);
      else if (Object.hasOwn(v, String(seg))) out.push((v as Record<string, unknown>)[String(seg)]);
      continue;
    }
    if (Object.hasOwn(v, seg)) out.push((v as Record<string, unknown>)[seg]);
  }
  return out;
}

/** Every value at a JSON path (several with `[*]` or across repeated XML elements). */
export function jsonPathAll(data: unknown, path: string): unknown[] {
  const segs = compileJsonPath(path);
  if (!segs || data === undefined) return [];
  let cur: unknown[] = [data];
  for (const s of segs) {
    cur = walk(cur, s);
    if (cur.length === 0) return cur;
  }
  // A repeated XML element at the end of the path, or a JSON array, yields its items.
  const flat: unknown[] = [];
  for (const v of cur) {
    if (Array.isArray(v) && segs[segs.length - 1] !== WILDCARD) flat.push(...(v as unknown[]));
    else flat.push(v);
  }
  return flat;
}
