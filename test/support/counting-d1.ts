/**
 * A D1 binding that counts what the code asks of it — each `batch`, `exec` and statement
 * execution is one round trip — and adds up D1's billed rows (`meta.rows_read`,
 * `meta.rows_written`) of every result that carries them. Statements reach the real database
 * unchanged. One module for the three places that count: the bench's Worker, the scale bench's
 * Worker and the worker tests (each bundles it on its own).
 */

/** Round trips, statements and billed rows asked of one or more D1 databases. */
export interface D1Tally {
  roundTrips: number;
  statements: number;
  rowsRead: number;
  rowsWritten: number;
}

export const emptyTally = (): D1Tally => ({ roundTrips: 0, statements: 0, rowsRead: 0, rowsWritten: 0 });

/** Adds a result's billed rows (a D1Result, or a batch's array of them) to `c`; passes the result through. */
function billed<T>(c: D1Tally, r: T): T {
  for (const x of Array.isArray(r) ? r : [r]) {
    const meta = (x as { meta?: { rows_read?: number; rows_written?: number } } | null)?.meta;
    c.rowsRead += meta?.rows_read ?? 0;
    c.rowsWritten += meta?.rows_written ?? 0;
  }
  return r;
}

const REAL = Symbol("real statement");
type Wrapped = D1PreparedStatement & { [REAL]: D1PreparedStatement };

function wrapStatement(s: D1PreparedStatement, c: D1Tally): Wrapped {
  const exec =
    <K extends "run" | "all" | "first" | "raw">(k: K) =>
    (...args: unknown[]) => {
      c.roundTrips++;
      c.statements++;
      const out = (s[k] as (...a: unknown[]) => unknown).apply(s, args);
      return k === "run" || k === "all" ? (out as Promise<unknown>).then((r) => billed(c, r)) : out;
    };
  return {
    [REAL]: s,
    bind: (...values: unknown[]) => wrapStatement(s.bind(...values), c),
    run: exec("run"),
    all: exec("all"),
    first: exec("first"),
    raw: exec("raw"),
  } as unknown as Wrapped;
}

/** `db`, counting into `c`. */
export function countingD1(db: D1Database, c: D1Tally): D1Database {
  return {
    prepare: (query: string) => wrapStatement(db.prepare(query), c),
    batch: (statements: D1PreparedStatement[]) => {
      c.roundTrips++;
      c.statements += statements.length;
      return db.batch(statements.map((s) => (s as Wrapped)[REAL] ?? s)).then((r) => billed(c, r));
    },
    exec: (query: string) => {
      c.roundTrips++;
      c.statements++;
      return db.exec(query);
    },
    dump: () => db.dump(),
    withSession: (...a: Parameters<D1Database["withSession"]>) => db.withSession(...a),
  } as D1Database;
}
