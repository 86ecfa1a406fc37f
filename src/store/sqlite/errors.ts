import { ConflictError, HeraldError, NotFoundError, UnavailableError } from '../../domain/errors.js';

/**
 * The one place SQLite failures become domain errors (STYLE §4). The conformance suite asserts
 * the classes; the details are what an API client reads in `{"code", "detail"}`, so they name the
 * field, never a table.
 */
export function translateError(err: unknown): unknown {
  if (err instanceof HeraldError) return err;
  if (!(err instanceof Error)) return err;
  const code = (err as Error & { code?: unknown }).code;
  if (typeof code !== 'string') {
    // better-sqlite3 throws a plain TypeError once the connection is closed.
    return err instanceof TypeError && /database connection is not open/.test(err.message)
      ? new UnavailableError('the store is closed')
      : err;
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new ConflictError(conflictDetail(err.message));
  }
  // A child row whose parent is gone: the application, endpoint or message it names.
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new NotFoundError('the application, endpoint or message no longer exists');
  if (unavailableCodes.some((c) => code === c || code.startsWith(`${c}_`))) {
    return new UnavailableError(`the store cannot commit right now (${code}); retry later`);
  }
  return err;
}

/** Conditions that say nothing about the request: retrying later may succeed. */
const unavailableCodes = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_PROTOCOL', 'SQLITE_NOMEM'];

/** SQLite names the columns: "UNIQUE constraint failed: messages.app_id, messages.event_id". */
function conflictDetail(message: string): string {
  const columns = message.slice(message.indexOf(':') + 1).trim();
  switch (columns) {
    case 'messages.app_id, messages.event_id':
      return 'a message with this eventId already exists in the application';
    case 'applications.uid':
      return 'an application with this uid already exists';
    case 'endpoints.app_id, endpoints.uid':
      return 'an endpoint with this uid already exists in the application';
    case 'event_types.name':
      return 'an event type with this name already exists';
    default:
      return 'an object with this id already exists';
  }
}
