import type { Database, Statement } from 'better-sqlite3';

/**
 * One statement over a whole batch of rows: `sql` receives a `VALUES (?, …), (?, …)` list of n
 * rows and is prepared once per n (1 … `maxRows`), so a batch of n outcomes or leases costs one
 * statement instead of n. Longer batches run in chunks of `maxRows`. The plans probe the primary
 * key once per row (`EXPLAIN QUERY PLAN`: "SCAN n-ROW VALUES CLAUSE | SEARCH deliveries USING
 * PRIMARY KEY"), as the per-row statements did.
 *
 * Measured by the bench's statement counter (`bench/lib/sql-count.mjs`): the drain went from
 * 4.61 statements per delivery (one lease update, one attempt insert and one delivery update per
 * delivery) to the figure in bench/RESULTS.md.
 *
 * The rows are bound as they are, one array argument each (better-sqlite3 binds an array's
 * elements in order), instead of being flattened and spread into one call of 64 × width
 * arguments: on the 2-core dev VM, 64 rows of 9 values took 1.2 to 1.4 µs a row that way against
 * 2.0 to 3.0 µs flattened and spread (`/msg/batch` binds 1,000 message and 1,000 delivery rows).
 */
export class ValuesStatement {
  private readonly byRows = new Map<number, Statement>();
  private readonly row: string;

  constructor(
    private readonly db: Database,
    width: number,
    private readonly sql: (values: string) => string,
    private readonly maxRows = 64,
  ) {
    this.row = `(${new Array<string>(width).fill('?').join(', ')})`;
  }

  /** Runs the statement over `rows`, each chunk with `lead` bound before the rows' values; the rows it changed. */
  run(rows: readonly (readonly unknown[])[], lead: readonly unknown[] = []): number {
    let changes = 0;
    for (let start = 0; start < rows.length; start += this.maxRows) {
      const chunk = rows.slice(start, start + this.maxRows);
      changes += this.statement(chunk.length).run(lead, ...chunk).changes;
    }
    return changes;
  }

  /** As `run`, for a statement with RETURNING: the rows of every chunk. */
  all(rows: readonly (readonly unknown[])[], lead: readonly unknown[] = []): unknown[] {
    const out: unknown[] = [];
    for (let start = 0; start < rows.length; start += this.maxRows) {
      const chunk = rows.slice(start, start + this.maxRows);
      for (const row of this.statement(chunk.length).all(lead, ...chunk)) out.push(row);
    }
    return out;
  }

  private statement(n: number): Statement {
    let stmt = this.byRows.get(n);
    if (!stmt) {
      stmt = this.db.prepare(this.sql(new Array<string>(n).fill(this.row).join(', ')));
      this.byRows.set(n, stmt);
    }
    return stmt;
  }
}
