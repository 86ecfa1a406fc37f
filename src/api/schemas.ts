import { Type } from '@sinclair/typebox';
import { ValidationError } from '../domain/errors.js';
import type { IdPrefix } from '../domain/ids.js';

/** Building blocks shared by the route schemas, with Svix's limits. */
export const uidPattern = '^[a-zA-Z0-9\\-_.]+$';
export const Uid = Type.String({ minLength: 1, maxLength: 256, pattern: uidPattern });
export const EventTypeName = Type.String({ minLength: 1, maxLength: 256, pattern: uidPattern });
export const Metadata = Type.Record(Type.String(), Type.String());
export const Name = Type.String({ minLength: 1, maxLength: 256 });
export const Description = Type.String({ maxLength: 4096 });
export const RateLimit = Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()]);
/** Svix's channel (`MessageIn.channels`, `EndpointIn.channels`). */
export const Channel = Type.String({ minLength: 1, maxLength: 128, pattern: '^[a-zA-Z0-9\\-_.:+]+$' });
/** Svix's message tag. */
export const Tag = Type.String({ minLength: 1, maxLength: 128, pattern: '^[a-zA-Z0-9\\-_./\\\\#]+$' });
export const DateTime = Type.String({ format: 'date-time' });
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/**
 * A uid may not start with its object's id prefix (`app_`, `ep_`): lookups take an id or a uid,
 * and this keeps them unambiguous (Svix's rule too).
 */
export function assertUidNotId(prefix: IdPrefix, uid: string | null | undefined, loc: string[]): void {
  if (typeof uid === 'string' && uid.startsWith(`${prefix}_`)) {
    throw ValidationError.field(loc, `a uid may not start with "${prefix}_", the prefix of ids`, 'value_error.uid');
  }
}

/** Path parameter: an id or a uid. */
export const IdOrUid = Type.String({ minLength: 1, maxLength: 256 });

/** RFC 3339 with a zone, as Svix answers. */
export function iso(date: Date): string;
export function iso(date: Date | null): string | null;
export function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}
