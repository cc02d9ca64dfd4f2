import { fillPlaceholders, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db, Stmt } from "./client";

/**
 * Statements on the per-lead hot path, built by drizzle once per database binding and bound
 * per use. Drizzle builds a query's SQL text on every call (walking the schema, escaping
 * names), which cost intake and the waterfall more CPU than the rest of their statement
 * handling; a compiled statement is built once with named placeholders (`p("id")`), and each
 * use only fills them in. It goes into `d.batch([...])` like any statement (drizzle's batch
 * asks each item for its prepared query); it is not awaited on its own.
 */

/** Drizzle's prepared query, as its batch uses it. */
interface Prepared {
  getQuery(): { sql: string; params: unknown[] };
  stmt: D1PreparedStatement;
  mapResult(result: unknown, isFromBatch?: boolean): unknown;
}

/** Names a placeholder of a compiled statement. */
export type P<V> = (name: keyof V & string) => Placeholder;

const placeholder =
  <V>(): P<V> =>
  (name) =>
    sql.placeholder(name);

/**
 * A statement compiled once per database and shape. `build` receives the placeholder maker and
 * must use a placeholder for every value that varies between uses with the same `shape` (a
 * statement whose SQL text varies, such as a counter upsert over the counted columns, names
 * its shape); the use returns the statement with `values` bound.
 */
export function compiled<V extends Record<string, unknown>, S extends Stmt>(build: (d: Db, p: P<V>, shape: string) => S) {
  const cache = new WeakMap<Db, Map<string, Prepared>>();
  const p = placeholder<V>();
  return (d: Db, values: V, shape = ""): S => {
    let perDb = cache.get(d);
    if (!perDb) {
      perDb = new Map();
      cache.set(d, perDb);
    }
    let prepared = perDb.get(shape);
    if (!prepared) {
      prepared = (build(d, p, shape) as unknown as { _prepare(): Prepared })._prepare();
      perDb.set(shape, prepared);
    }
    const base = prepared;
    const query = base.getQuery();
    const bound = {
      stmt: base.stmt,
      getQuery: () => ({ sql: query.sql, params: fillPlaceholders(query.params, values) }),
      mapResult: (result: unknown, isFromBatch?: boolean) => base.mapResult(result, isFromBatch),
    };
    return { _prepare: () => bound } as unknown as S;
  };
}

/**
 * A plain insert into `table`, compiled per set of columns given (a column left undefined takes
 * its default, as with drizzle's `values`); `onConflictDoNothing` for rows that may repeat.
 */
export function compiledInsert(table: SQLiteTable, opts: { onConflictDoNothing?: boolean } = {}) {
  const insert = compiled<Record<string, unknown>, Stmt>((d, p, shape) => {
    const q = d.insert(table).values(Object.fromEntries(shape.split(",").map((k) => [k, p(k)])) as never);
    return opts.onConflictDoNothing ? q.onConflictDoNothing() : q;
  });
  return (d: Db, row: Record<string, unknown>): Stmt => {
    const keys = Object.keys(row)
      .filter((k) => row[k] !== undefined)
      .sort();
    return insert(d, row, keys.join(","));
  };
}

/**
 * A multi-row insert into `table`, compiled per set of columns and number of rows (every row
 * giving the same columns, as rows built by one function do).
 */
export function compiledInsertRows(table: SQLiteTable) {
  const insert = compiled<Record<string, unknown>, Stmt>((d, p, shape) => {
    const [cols = "", n = "0"] = shape.split(":");
    const keys = cols.split(",");
    const rows = Array.from({ length: Number(n) }, (_, i) => Object.fromEntries(keys.map((k) => [k, p(`${k}:${i}`)])));
    return d.insert(table).values(rows as never);
  });
  return (d: Db, rows: Record<string, unknown>[]): Stmt => {
    const keys = Object.keys(rows[0] ?? {}).sort();
    return insert(d, rowValues(rows, keys), `${keys.join(",")}:${rows.length}`);
  };
}

/** The values of several rows for a compiled statement, named `column:row` (see `valuesList`), added to `into`. */
export function rowValues<R extends object>(
  rows: readonly R[],
  cols: readonly (keyof R & string)[],
  into: Record<string, unknown> = {},
): Record<string, unknown> {
  rows.forEach((row, i) => {
    for (const k of cols) into[`${k}:${i}`] = row[k];
  });
  return into;
}

/** A `VALUES` list of `n` rows of `cols` as placeholders named `column:row`, filled by `rowValues`. */
export function valuesList<V>(p: P<V>, cols: readonly string[], n: number): SQL {
  const rows = Array.from(
    { length: n },
    (_, i) =>
      sql`(${sql.join(
        cols.map((k) => p(`${k}:${i}` as keyof V & string)),
        sql`, `,
      )})`,
  );
  return sql`VALUES ${sql.join(rows, sql`, `)}`;
}
