import { BadRequestError, ConflictError, HeraldError, NotFoundError, UnavailableError } from '../../domain/errors.js';

/**
 * The one place PostgreSQL and `pg` failures become domain errors (STYLE §4). The conformance
 * suite asserts the classes; the details are what an API client reads in `{"code", "detail"}`, so
 * they name the field, never a table.
 */
export function translateError(err: unknown): unknown {
  if (err instanceof HeraldError) return err;
  if (!(err instanceof Error)) return err;
  const code = errorCode(err);
  if (code === '23505') return new ConflictError(conflictDetail((err as Error & { constraint?: string }).constraint));
  // A child row whose parent is gone: the application, endpoint or message it names.
  if (code === '23503') return new NotFoundError('the application, endpoint or message no longer exists');
  // text and jsonb cannot hold U+0000 (nor jsonb a lone surrogate escape), which SQLite stores.
  if (code === '22021' || code === '22P05') {
    return new BadRequestError('a text value contains a character PostgreSQL cannot store (U+0000 or a lone surrogate)');
  }
  if (code !== undefined && isUnavailableCode(code)) {
    return new UnavailableError(`the database cannot commit right now (${code}); retry later`);
  }
  if (code === undefined && unavailableMessages.some((re) => re.test(err.message))) {
    return new UnavailableError(`the database cannot be reached right now (${err.message}); retry later`);
  }
  return err;
}

/** Deadlocks and serialization failures roll back the whole statement: running it again is safe. */
export function isRetryable(err: unknown): boolean {
  const code = err instanceof Error ? errorCode(err) : undefined;
  return code === '40P01' || code === '40001';
}

/**
 * The SQLSTATE of a server error, or the errno code of a socket error. Node reports a refused
 * connection to a name with several addresses (`localhost`: ::1 and 127.0.0.1) as an
 * AggregateError whose own code may be missing: the first inner error's code stands for it.
 */
function errorCode(err: Error): string | undefined {
  const code = (err as Error & { code?: unknown }).code;
  if (typeof code === 'string') return code;
  if (err instanceof AggregateError) {
    const inner = err.errors[0] as { code?: unknown } | undefined;
    if (typeof inner?.code === 'string') return inner.code;
  }
  return undefined;
}

/**
 * Conditions that say nothing about the request: retrying later may succeed.
 * - class 08: connection exceptions; 57P01/57P02/57P03: the server is shutting down, crashed or
 *   starting; 53xxx: out of disk, memory or connections; 57014: the statement timeout fired (or
 *   the statement was cancelled); 25006: a read-only transaction (a replica, or a failover in
 *   progress); 40001/40P01: a serialization failure or deadlock that outlived `db.ts`'s retries;
 *   55P03: `lock_timeout`.
 * - socket errors from `net`/`dns` while connecting or mid-query.
 */
function isUnavailableCode(code: string): boolean {
  return (
    code.startsWith('08') ||
    code.startsWith('53') ||
    ['57P01', '57P02', '57P03', '57014', '25006', '40001', '40P01', '55P03'].includes(code) ||
    socketCodes.includes(code)
  );
}

const socketCodes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED'];

/** `pg` and `pg-pool` report these without a code. */
const unavailableMessages = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error and is not queryable/,
  /Client was closed and is not queryable/,
  /Cannot use a pool after calling end on the pool/,
  /Query read timeout/,
];

/** PostgreSQL names the violated constraint (an index or primary key of `migrations.ts`). */
function conflictDetail(constraint: string | undefined): string {
  switch (constraint) {
    case 'messages_event_id':
      return 'a message with this eventId already exists in the application';
    case 'applications_uid':
      return 'an application with this uid already exists';
    case 'endpoints_uid':
      return 'an endpoint with this uid already exists in the application';
    case 'event_types_pkey':
      return 'an event type with this name already exists';
    default:
      return 'an object with this id already exists';
  }
}
