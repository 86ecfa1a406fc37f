/**
 * Domain errors. Handlers and services throw these; `src/api/errors.ts` is the only place that
 * turns them into HTTP answers (`{code, detail}`, or the 422 `{detail: [{loc, msg, type}]}` shape).
 */
export abstract class HeraldError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  constructor(readonly detail: string) {
    super(detail);
    this.name = new.target.name;
  }
}

export class BadRequestError extends HeraldError {
  readonly status = 400;
  readonly code = 'bad_request';
}

export class UnauthorizedError extends HeraldError {
  readonly status = 401;
  readonly code = 'authentication_failed';
}

export class ForbiddenError extends HeraldError {
  readonly status = 403;
  readonly code = 'insufficient_access';
}

export class NotFoundError extends HeraldError {
  readonly status = 404;
  readonly code = 'not_found';
}

export class ConflictError extends HeraldError {
  readonly status = 409;
  readonly code = 'conflict';
}

export class PayloadTooLargeError extends HeraldError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

/** A token sent more requests than `HERALD_API_RATE_LIMIT` allows (`Retry-After` says when to retry). */
export class TooManyRequestsError extends HeraldError {
  readonly status = 429;
  readonly code = 'rate_limited';
}

/** The store could not commit (database gone, disk full): the client may retry. */
export class UnavailableError extends HeraldError {
  readonly status = 503;
  readonly code = 'service_unavailable';
}

export interface ValidationItem {
  loc: string[];
  msg: string;
  type: string;
}

export class ValidationError extends HeraldError {
  readonly status = 422;
  readonly code = 'validation';
  constructor(readonly items: ValidationItem[]) {
    super(items.map((i) => `${i.loc.join('.')}: ${i.msg}`).join('; '));
  }

  /** One failed rule on one body field, the common case. */
  static field(loc: string[], msg: string, type = 'value_error'): ValidationError {
    return new ValidationError([{ loc, msg, type }]);
  }
}
