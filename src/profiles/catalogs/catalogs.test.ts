import { describe, expect, it } from 'vitest';
import { compilePayloadSchema } from '../../api/payload-schema.js';
import { getProfile, profileNames } from '../index.js';
import type { CatalogEventType } from '../profile.js';

/** A deep copy of `example` with `change` applied. */
function broken(example: Record<string, unknown>, change: (copy: any) => void): Record<string, unknown> {
  const copy = structuredClone(example);
  change(copy);
  return copy;
}

function catalogOf(profile: string): readonly CatalogEventType[] {
  return getProfile(profile)!.catalog;
}

function exampleOf(profile: string, name: string): Record<string, unknown> {
  return catalogOf(profile).find((e) => e.name === name)!.schema.examples[0]!;
}

const expectedNames: Record<string, string[]> = {
  standard: [],
  paradym: [
    'workflowExecution.started',
    'workflowExecution.actionExecuted',
    'workflowExecution.completed',
    'workflowExecution.waitingForTrigger',
    'workflowExecution.canceled',
    'workflowExecution.failed',
  ],
  'dbt-cloud': ['job.run.started', 'job.run.completed', 'job.run.canceled', 'job.run.errored'],
  'paradime-bolt': ['bolt.run.started', 'bolt.run.completed'],
  atscale: ['aggregate_batch_started', 'aggregate_batch_result', 'aggregate_prune_result', 'publish_schema_response', 'slow_query_event', 'slow_agg_builds', 'unpublish_schema_success'],
};

/** Per catalog, copies of seed examples broken the way a producer might: each must fail. */
const brokenCopies: Record<string, [string, string, (copy: any) => void][]> = {
  paradym: [
    ['workflowExecution.started', 'no workflowExecutionId', (c) => delete c.workflowExecutionId],
    ['workflowExecution.actionExecuted', 'no workflowActionId', (c) => delete c.workflowActionId],
    ['workflowExecution.failed', 'a number as error.message', (c) => (c.error.message = 42)],
    ['workflowExecution.failed', 'no error', (c) => delete c.error],
  ],
  'dbt-cloud': [
    ['job.run.started', 'a number as job_id', (c) => (c.job_id = 2)],
    ['job.run.completed', 'no run_status', (c) => delete c.run_status],
    ['job.run.canceled', 'no run_canceled_at', (c) => delete c.run_canceled_at],
    ['job.run.errored', 'no run_id', (c) => delete c.run_id],
  ],
  'paradime-bolt': [
    ['bolt.run.started', 'a string as id', (c) => (c.id = '1234')],
    ['bolt.run.completed', 'no commands', (c) => delete c.commands],
    ['bolt.run.completed', 'a string as a command id', (c) => (c.commands[0].id = '193439')],
    ['bolt.run.completed', 'a resource without its path', (c) => delete c.commands[2].json_resources[0].path],
  ],
  atscale: [
    ['aggregate_batch_started', 'another event_type', (c) => (c.event_type = 'aggregate_batch_result')],
    ['aggregate_batch_started', 'a string as is_full_build', (c) => (c.is_full_build = 'false')],
    ['slow_query_event', 'a string as time_taken', (c) => (c.time_taken = '3.7')],
    ['slow_query_event', 'finished_at not a date-time', (c) => (c.finished_at = 'yesterday')],
    ['slow_agg_builds', 'no duration', (c) => delete c.duration],
    ['aggregate_batch_result', 'a number as cube_id', (c) => (c.cube_id = 7)],
    ['publish_schema_response', 'an unknown status', (c) => (c.status = 'maybe')],
    ['unpublish_schema_success', 'no event_type', (c) => delete c.event_type],
  ],
};

describe.each(profileNames())('the %s catalog', (profile) => {
  const catalog = catalogOf(profile);

  it('holds every event the seed documents, once each', () => {
    expect(catalog.map((e) => e.name)).toEqual(expectedNames[profile]);
  });

  it.each(catalog.map((e) => [e.name, e] as const))('%s: a draft 2020-12 schema whose examples validate', (_name, entry) => {
    expect(entry.schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(entry.description.length).toBeGreaterThan(0);
    expect(entry.schema.examples.length).toBeGreaterThan(0);
    const validate = compilePayloadSchema(entry.schema);
    for (const example of entry.schema.examples) expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    // Catalog examples are JSON: they survive a round trip unchanged.
    expect(JSON.parse(JSON.stringify(entry.schema.examples))).toEqual(entry.schema.examples);
  });

  const cases = brokenCopies[profile] ?? [];
  if (cases.length > 0) {
    it.each(cases)('%s with %s does not validate', (name, _what, change) => {
      const entry = catalog.find((e) => e.name === name)!;
      expect(compilePayloadSchema(entry.schema)(broken(exampleOf(profile, name), change))).toBe(false);
    });
  }
});
