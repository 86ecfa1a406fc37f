import { Type } from '@sinclair/typebox';
import { IdOrUid } from '../../schemas.js';

/** Path parameters shared by every `…/endpoint/{endpoint_id}` route. */
export const AppPath = Type.Object({ app_id: IdOrUid });
export const EndpointPath = Type.Object({ app_id: IdOrUid, endpoint_id: IdOrUid });

/**
 * A map of string values (custom headers, metadata). Not `Type.Record(Type.String(), …)`: TypeBox
 * renders that as `patternProperties: {"^(.*)$": …}`, and `.` does not match a line break, so a
 * key containing "\n" would escape the value check (`{"a\nb": 5}` passed as metadata).
 */
export const StringMap = Type.Unsafe<Record<string, string>>(Type.Object({}, { additionalProperties: Type.String() }));
export const NullableStringMap = Type.Unsafe<Record<string, string | null>>(
  Type.Object({}, { additionalProperties: Type.Union([Type.String(), Type.Null()]) }),
);
