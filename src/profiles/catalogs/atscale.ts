import type { CatalogEventType } from '../profile.js';
import { catalogEvent } from './catalog-event.js';

/**
 * AtScale's seven engine events (seed 003, "Engine Webhooks"). The payload is the engine event
 * as sent, `event_type` inside; the schema pins `event_type` to the event type's name, so a
 * message cannot carry one event under another's name.
 *
 * Written from the seed's "POST parameters" lists and kept loose where the seed's lists and
 * examples disagree, so that every example validates:
 * - the "common parameters" `org_id` and `project_id` are top-level in the slow-query and
 *   slow-agg examples but inside `context` in the others: both places are described, neither is
 *   required;
 * - `publish_schema_response`: the list names `org_id`, `project_id`, `schema_id` and `status`,
 *   the example carries `callback_url` and `created_by_user` instead; all are optional;
 * - `cube_id` is null when there is no cube.
 * The examples are the seed's, unchanged (they are valid JSON).
 */
const uuid = { type: 'string', description: 'A UUID.' } as const;
const common = {
  id: { type: 'string', description: 'UUID of the batch.' },
  org_id: { type: 'string', description: 'The organization (e.g. "default").' },
  project_id: { type: 'string', description: 'UUID of the project.' },
  cube_id: { type: ['string', 'null'], description: 'UUID of the cube; null when not available.' },
  context: {
    type: 'object',
    description: 'Where the event happened.',
    properties: { org_id: { type: 'string' }, project_id: { type: 'string' } },
  },
} as const;

function event(name: string, description: string, properties: Record<string, unknown>, required: string[], example: Record<string, unknown>): CatalogEventType {
  const eventType = { const: name, description: `Always "${name}".` };
  return catalogEvent(name, description, { event_type: eventType, ...common, ...properties }, ['event_type', ...required], [example]);
}

const context = { org_id: 'default', project_id: '91db9aa1-8947-4e7a-b613-af2ea485990d' };
const batchId = '378f70a0-9d1f-4591-b64f-89008b079075';
const cubeId = '48d6ad30-f139-4f77-517f-36158d7b032b';

export const atscaleCatalog: readonly CatalogEventType[] = [
  event(
    'aggregate_batch_started',
    'Aggregate Batch Start: a process to build instances of the aggregate tables for a published cube began.',
    { is_full_build: { type: 'boolean', description: 'true: all aggregate instances are fully built; false: built incrementally.' } },
    ['id', 'is_full_build'],
    { event_type: 'aggregate_batch_started', id: batchId, context, is_full_build: false, cube_id: cubeId },
  ),
  event(
    'aggregate_batch_result',
    'Aggregate Batch Success/Failure: the build of the aggregate tables of a published cube ended.',
    { error: { type: ['string', 'null'], description: 'Why the build failed; null when it succeeded.' } },
    ['id', 'error'],
    { event_type: 'aggregate_batch_result', id: batchId, context, error: null, cube_id: cubeId },
  ),
  event(
    'aggregate_prune_result',
    'Aggregate Prune Result: cubes in a published project exceed their configured limits on the number of active aggregates.',
    {},
    ['id'],
    { event_type: 'aggregate_prune_result', id: batchId, context, cube_id: cubeId },
  ),
  event(
    'publish_schema_response',
    'Schema Publish: a project was created by pasting or uploading a project.xml or JSON file on the New Project page of the Design Center.',
    {
      schema_id: { type: 'string', description: 'UUID of the project.' },
      status: { enum: ['success', 'failure'], description: 'Whether creating the project succeeded.' },
      callback_url: { type: 'string' },
      created_by_user: { type: 'string' },
    },
    [],
    { event_type: 'publish_schema_response', callback_url: 'http://localhost:10502/webhooks/debug/test-callback', created_by_user: 'vpareto' },
  ),
  event(
    'slow_query_event',
    'Slow Query: a query ran at least as long as the threshold (4 s unless the endpoint sets profileOptions.slowThresholdMs).',
    {
      query_success: { type: 'boolean', description: 'Whether the query succeeded.' },
      query_id: uuid,
      time_taken: { type: 'number', minimum: 0, description: 'How long the query ran, in seconds.' },
      finished_at: { type: 'string', format: 'date-time', description: 'When the query completed.' },
    },
    ['query_id', 'query_success', 'time_taken', 'finished_at'],
    {
      event_type: 'slow_query_event',
      query_id: '04dd09c8-4cfd-47b6-9dba-caf970880d6e',
      finished_at: '2021-12-07T15:44:07.077397Z',
      org_id: 'default',
      query_success: true,
      time_taken: 3.7080559730529785,
      project_id: '91db9aa1-8947-4e7a-b613-af2ea485990d',
      cube_id: cubeId,
    },
  ),
  event(
    'slow_agg_builds',
    'Slow Agg Builds: an aggregate build (completed, running or failed) took at least the threshold (4 s unless the endpoint sets profileOptions.slowThresholdMs).',
    {
      type: { type: 'string', description: 'The kind of event, e.g. "aggregate-build-completed-event".' },
      instance_id: uuid,
      definition_id: uuid,
      triggering_query_id: uuid,
      user_defined_id: uuid,
      user_defined_name: { type: 'string' },
      message: { type: 'string' },
      status: { type: 'string', description: 'e.g. "done".' },
      duration: { type: 'number', minimum: 0, description: 'How long the build took, in milliseconds.' },
    },
    ['type', 'instance_id', 'definition_id', 'status', 'duration'],
    {
      type: 'aggregate-build-completed-event',
      status: 'done',
      duration: 7623,
      instance_id: 'b4a8bc98-ea83-4167-8dd4-7f6e8eb0e439',
      definition_id: 'f314e8da-2d54-4297-93e7-aa5b957751e4',
      triggering_query_id: '8958cebf-8350-4fff-8347-ecec4b06ac88',
      org_id: 'default',
      project_id: '91db9aa1-8947-4e7a-b613-af2ea485990d',
      event_type: 'slow_agg_builds',
      cube_id: cubeId,
    },
  ),
  event('unpublish_schema_success', 'Project Unpublish: a project was unpublished from the engine.', {}, [], {
    event_type: 'unpublish_schema_success',
    context: { org_id: 'default', project_id: '161d6ee9-7548-4004-46e7-89b15d70cd5b' },
  }),
];
