import type { CatalogEventType } from '../profile.js';
import { catalogEvent } from './catalog-event.js';

/**
 * dbt Cloud's job run events (seed 004, "Example payloads"), plus `job.run.errored`, which the
 * public product sends and the seed does not show. The examples are the seed's `data` objects:
 * Herald builds the envelope around them (account_id, event_id, timestamp, event_type).
 *
 * The seed's examples are not JSON as printed. Repairs made, in every example:
 * 1. typographic quotes “…” around keys and values (account_id, event_id, timestamp, run_reason,
 *    run_id, environment_id, run_started_at, run_canceled_at, run_finished_at, run_status and
 *    their values) replaced by ASCII quotes;
 * 2. the missing comma after `"environment_id": "121221"` added;
 * 3. the extra closing brace after the envelope removed (`data` closes, the envelope closes, and
 *    one more `}` followed);
 * 4. `job.run.completed`: the bare word `complete` in `"run_status": complete` quoted as the
 *    string "complete" (the public product sends words such as "Success"; the seed's word is kept);
 * 5. the envelope's own fields are not part of the fixtures: `account_id`, `event_id` and
 *    `timestamp` come from the application, the message and its time (`timestamp` "2022-05-02
 *    12:42:31" is not RFC 3339; Herald sends e.g. "2022-05-02T12:42:31.000Z").
 * `job.run.errored` has no seed example: its fixture is the completed one with `run_errored_at`
 * and `run_status: "Errored"` in place of `run_finished_at` and "complete", in the seed's style.
 *
 * Ids are strings, as in the seed (`"job_id": "2"`): a job filter is `{"job_id": {"$in": ["2"]}}`.
 * `webhook_name` is optional: dbt Cloud fills it per webhook, and a producer sending one message
 * to many endpoints cannot know it.
 */
const text = { type: 'string' } as const;

const runProperties = {
  run_reason: { type: 'string', description: 'Why the run started, e.g. "job_scheduled".' },
  job_id: { type: 'string', description: 'The job, as a string of digits.' },
  job_name: text,
  run_id: { type: 'string', description: 'The run, as a string of digits.' },
  environment_id: text,
  environment_name: text,
  run_started_at: { type: 'string', description: 'When the run started, "YYYY-MM-DD HH:MM:SS".' },
  webhook_name: { type: 'string', description: 'The webhook that sent the event.' },
  dbt_version: text,
  project_name: text,
} as const;
const runRequired = ['run_reason', 'job_id', 'job_name', 'run_id', 'environment_id', 'environment_name', 'run_started_at', 'dbt_version', 'project_name'];

const startedExample = {
  run_reason: 'job_scheduled',
  job_id: '2',
  job_name: 'test-job',
  run_id: '109281092812',
  environment_id: '121221',
  environment_name: 'development',
  run_started_at: '2022-05-02 10:41:31',
  webhook_name: 'My Account Run Events Webhook',
  dbt_version: '1.0.0',
  project_name: 'My New Project',
};

/** The started example with `extra` inserted after `run_started_at`, where the seed puts it. */
function exampleWith(extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(startedExample)) {
    out[key] = value;
    if (key === 'run_started_at') Object.assign(out, extra);
  }
  return out;
}

function event(name: string, description: string, extra: Record<string, unknown>, example: Record<string, string>): CatalogEventType {
  return catalogEvent(name, description, { ...runProperties, ...extra }, [...runRequired, ...Object.keys(extra)], [example]);
}

export const dbtCloudCatalog: readonly CatalogEventType[] = [
  event('job.run.started', 'A job run started.', {}, startedExample),
  event('job.run.completed', 'A job run completed, whether it succeeded or failed.', {
    run_finished_at: text,
    run_status: { type: 'string', description: 'How the run ended.' },
  }, exampleWith({ run_finished_at: '2022-05-02 10:42:31', run_status: 'complete' })),
  event('job.run.canceled', 'A job run was canceled.', { run_canceled_at: text }, exampleWith({ run_canceled_at: '2022-05-02 10:42:31' })),
  event('job.run.errored', 'A job run errored (not in the seed document; the public product sends it).', {
    run_errored_at: text,
    run_status: { type: 'string', description: 'How the run ended, e.g. "Errored".' },
  }, exampleWith({ run_errored_at: '2022-05-02 10:42:31', run_status: 'Errored' })),
];
