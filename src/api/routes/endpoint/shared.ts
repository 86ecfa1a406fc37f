import { Type } from '@sinclair/typebox';
import { IdOrUid } from '../../schemas.js';

/** Path parameters shared by every `…/endpoint/{endpoint_id}` route. */
export const AppPath = Type.Object({ app_id: IdOrUid });
export const EndpointPath = Type.Object({ app_id: IdOrUid, endpoint_id: IdOrUid });
