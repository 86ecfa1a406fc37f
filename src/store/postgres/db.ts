import type pg from 'pg';
import { UnavailableError } from '../../domain/errors.js';
import { isRetryable, translateError } from './errors.js';

/**
 * A statement and its `pg` name. A named statement is parsed once per connection and, after five
 * runs, may keep a generic plan; an unnamed one is planned at each run with its values.
 */
export interface Statement {
  name: string | undefined;
  text: string;
}

/** How many times a statement that lost a deadlock (40P01) runs again before the error stands. */
const deadlockRetries = 2;

/**
 * The pool as the store's operations see it: every operation is one statement in autocommit mode
 * (a statement is atomic by itself), so no code holds a connection across an `await` and a
 * failed statement leaves nothing behind: running it again after a deadlock is safe.
 * Failures reach the caller as domain errors (`errors.ts`).
 */
export class Db {
  private closed = false;
  /** Dynamic list SQL → statement name; a handful of shapes per list in practice. */
  private readonly names = new Map<string, string>();

  constructor(readonly pool: pg.Pool) {}

  /** Names a statement written once (`statement('herald_claim', sql)`). */
  static statement(name: string, text: string): Statement {
    return { name: `herald_${name}`, text };
  }

  /**
   * A statement planned at every run with its actual values: for a range whose width decides the
   * plan, where a generic plan (blind to the bounds and the LIMIT) can pick a full sort of the range.
   */
  static unnamed(text: string): Statement {
    return { name: undefined, text };
  }

  /** Names SQL assembled per call (lists with optional filters), the same name for the same text. */
  named(text: string): Statement {
    let name = this.names.get(text);
    if (name === undefined) {
      name = `herald_list_${this.names.size + 1}`;
      this.names.set(text, name);
    }
    return { name, text };
  }

  async query<R extends pg.QueryResultRow>(s: Statement, values: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.closed) throw new UnavailableError('the store is closed');
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pool.query<R>({ name: s.name, text: s.text, values });
      } catch (err) {
        if (attempt < deadlockRetries && isRetryable(err)) continue;
        throw translateError(err);
      }
    }
  }

  async rows<R extends pg.QueryResultRow>(s: Statement, values: unknown[]): Promise<R[]> {
    return (await this.query<R>(s, values)).rows;
  }

  /** The rows a write touched. */
  async count(s: Statement, values: unknown[]): Promise<number> {
    return (await this.query(s, values)).rowCount ?? 0;
  }

  async end(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
