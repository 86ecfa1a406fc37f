import { describe, expect, it } from 'vitest';
import { BadRequestError, ConflictError, NotFoundError, UnavailableError } from '../../domain/errors.js';
import { isRetryable, translateError } from './errors.js';

/** A server error as `pg` reports it: SQLSTATE in `code`, the constraint by name. */
function serverError(code: string, fields: Record<string, string> = {}): Error {
  return Object.assign(new Error(`server said ${code}`), { code, ...fields });
}

describe('translateError (PostgreSQL)', () => {
  it('maps a unique violation to ConflictError naming the field', () => {
    const err = translateError(serverError('23505', { constraint: 'messages_event_id' }));
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).detail).toMatch(/eventId/);
    expect((translateError(serverError('23505', { constraint: 'applications_pkey' })) as ConflictError).detail).toMatch(/id already exists/);
  });

  it('maps a foreign-key violation to NotFoundError', () => {
    expect(translateError(serverError('23503'))).toBeInstanceOf(NotFoundError);
  });

  it('maps text PostgreSQL cannot store to BadRequestError', () => {
    expect(translateError(serverError('22021'))).toBeInstanceOf(BadRequestError);
    expect(translateError(serverError('22P05'))).toBeInstanceOf(BadRequestError);
  });

  it('maps a lost or unwell server to UnavailableError', () => {
    for (const code of ['08006', '08001', '57P01', '57P02', '57P03', '53300', '53100', '57014', '25006', '40P01']) {
      expect(translateError(serverError(code)), code).toBeInstanceOf(UnavailableError);
    }
  });

  it('maps socket and pool failures without a SQLSTATE to UnavailableError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(translateError(refused)).toBeInstanceOf(UnavailableError);
    // `localhost` resolves to ::1 and 127.0.0.1: Node reports both refusals at once.
    const both = new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })], '');
    expect(translateError(both)).toBeInstanceOf(UnavailableError);
    for (const message of ['Connection terminated unexpectedly', 'timeout exceeded when trying to connect', 'Cannot use a pool after calling end on the pool']) {
      expect(translateError(new Error(message)), message).toBeInstanceOf(UnavailableError);
    }
  });

  it('leaves other errors as they are', () => {
    const syntax = serverError('42601');
    expect(translateError(syntax)).toBe(syntax);
    const plain = new Error('something else');
    expect(translateError(plain)).toBe(plain);
  });

  it('retries deadlocks and serialization failures only', () => {
    expect(isRetryable(serverError('40P01'))).toBe(true);
    expect(isRetryable(serverError('40001'))).toBe(true);
    expect(isRetryable(serverError('23505'))).toBe(false);
    expect(isRetryable(new Error('Connection terminated unexpectedly'))).toBe(false);
  });
});
