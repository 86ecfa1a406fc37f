import type { CatalogEventType } from '../profile.js';
import { catalogEvent } from './catalog-event.js';

/**
 * Paradime Bolt's run events (seeds 000 and 001, the same page as text and as markdown; their
 * examples are identical). The payload is the run object as sent. The examples are the seed's,
 * unchanged (valid JSON as printed).
 *
 * Times such as `start_dttm` are "YYYY-MM-DD HH:MM:SS.ffffff" (no zone), so the schema types
 * them as strings without a `date-time` format. `deferred_schedule`, `hightouch` and `turbo_ci`
 * are null in both examples and described nowhere, so they take any value.
 */
const text = { type: 'string' } as const;
const nullableText = { type: ['string', 'null'] } as const;
const texts = { type: 'array', items: text } as const;

const environment = {
  type: 'object',
  description: 'What triggered the run, and on which git state.',
  properties: { actor: { type: 'string', description: 'e.g. "Manual" or "Scheduler".' }, branch: nullableText, commit_hash: nullableText, email: nullableText },
  required: ['actor'],
} as const;

const schedule = {
  type: 'object',
  description: 'The Bolt schedule that ran.',
  properties: {
    commands: texts,
    deferred_schedule: {},
    email_notify: texts,
    email_on: texts,
    environment: text,
    git_branch: nullableText,
    hightouch: {},
    name: text,
    owner_email: text,
    schedule: { type: 'string', description: 'Cron expression or alias such as "@daily".' },
    slack_notify: texts,
    slack_on: texts,
    turbo_ci: {},
  },
  required: ['commands', 'name'],
} as const;

const workspace = { type: 'object', properties: { name: text, uid: text }, required: ['name', 'uid'] } as const;

const command = {
  type: 'object',
  properties: {
    api_query: { type: 'string', description: 'GraphQL query (against api_url) for the command\'s console logs.' },
    command: text,
    end_dttm: text,
    id: { type: 'integer' },
    json_resources: {
      type: 'array',
      description: 'Files the command produced, such as target/manifest.json and target/run_results.json.',
      items: {
        type: 'object',
        properties: { id: { type: 'integer' }, path: text, resource_query: { type: 'string', description: 'GraphQL query for a download URL of the file.' } },
        required: ['id', 'path', 'resource_query'],
      },
    },
    return_code: { type: 'integer' },
    start_dttm: text,
    status: text,
  },
  required: ['command', 'id', 'status'],
} as const;

const runProperties = {
  api_url: { type: 'string', description: 'The GraphQL endpoint for api_query and resource_query.' },
  environment,
  id: { type: 'integer', description: 'The run id.' },
  run_url: text,
  schedule,
  schedule_name: text,
  start_dttm: text,
  status: { type: 'string', description: 'e.g. "running", "succeeded", "failed".' },
  uuid: text,
  workspace,
} as const;
const runRequired = ['api_url', 'environment', 'id', 'run_url', 'schedule', 'schedule_name', 'start_dttm', 'status', 'uuid', 'workspace'];

function event(name: string, description: string, extra: Record<string, unknown>, example: Record<string, unknown>): CatalogEventType {
  return catalogEvent(name, description, { ...runProperties, ...extra }, [...runRequired, ...Object.keys(extra)], [example]);
}

/** The schedule object, the same in both of the seed's examples. */
const exampleSchedule = {
  "commands": [
    "dbt seed",
    "dbt run"
  ],
  "deferred_schedule": null,
  "email_notify": [
    "max@acme.io",
    "fabio@acme.io"
  ],
  "email_on": [
    "passed",
    "failed"
  ],
  "environment": "production",
  "git_branch": null,
  "hightouch": null,
  "name": "daily_run",
  "owner_email": "fabio@paradime.io",
  "schedule": "@daily",
  "slack_notify": [
    "data-alerts"
  ],
  "slack_on": [
    "passed",
    "failed"
  ],
  "turbo_ci": null
};

const completedExample = {
  "api_url": "https://api.demo.paradime.io/api/v1/uany7edagtovarzx/graphql",
  "commands": [
    {
      "api_query": "query BoltCommand {\n    boltCommand(commandId: 193439) {\n        command\n        startDttm\n        endDttm\n        stdout\n        stderr\n        returnCode\n        scheduleRunId\n        resources {\n            id\n            path\n        }\n    }\n}",
      "command": "git clone ...",
      "end_dttm": "2023-10-15 16:44:16.986049",
      "id": 193439,
      "json_resources": [],
      "return_code": 0,
      "start_dttm": "2023-10-15 16:44:14.576471",
      "status": "succeeded"
    },
    {
      "api_query": "query BoltCommand {\n    boltCommand(commandId: 193440) {\n        command\n        startDttm\n        endDttm\n        stdout\n        stderr\n        returnCode\n        scheduleRunId\n        resources {\n            id\n            path\n        }\n    }\n}",
      "command": "dbt deps",
      "end_dttm": "2023-10-15 16:44:19.831942",
      "id": 193440,
      "json_resources": [],
      "return_code": 0,
      "start_dttm": "2023-10-15 16:44:17.109897",
      "status": "succeeded"
    },
    {
      "api_query": "query BoltCommand {\n    boltCommand(commandId: 193441) {\n        command\n        startDttm\n        endDttm\n        stdout\n        stderr\n        returnCode\n        scheduleRunId\n        resources {\n            id\n            path\n        }\n    }\n}",
      "command": "dbt seed",
      "end_dttm": "2023-10-15 16:44:29.552605",
      "id": 193441,
      "json_resources": [
        {
          "id": 1205731,
          "path": "target/manifest.json",
          "resource_query": "query BoltResourceUrl {\n    boltResourceUrl(resourceId: 1205731) {\n        ok\n        url\n    }\n}"
        },
        {
          "id": 1205739,
          "path": "target/run_results.json",
          "resource_query": "query BoltResourceUrl {\n    boltResourceUrl(resourceId: 1205739) {\n        ok\n        url\n    }\n}"
        }
      ],
      "return_code": 0,
      "start_dttm": "2023-10-15 16:44:19.886774",
      "status": "succeeded"
    },
    {
      "api_query": "query BoltCommand {\n    boltCommand(commandId: 193442) {\n        command\n        startDttm\n        endDttm\n        stdout\n        stderr\n        returnCode\n        scheduleRunId\n        resources {\n            id\n            path\n        }\n    }\n}",
      "command": "dbt run",
      "end_dttm": "2023-10-15 16:44:37.422950",
      "id": 193442,
      "json_resources": [
        {
          "id": 1205743,
          "path": "target/manifest.json",
          "resource_query": "query BoltResourceUrl {\n    boltResourceUrl(resourceId: 1205743) {\n        ok\n        url\n    }\n}"
        },
        {
          "id": 1205761,
          "path": "target/run_results.json",
          "resource_query": "query BoltResourceUrl {\n    boltResourceUrl(resourceId: 1205761) {\n        ok\n        url\n    }\n}"
        }
      ],
      "return_code": 1,
      "start_dttm": "2023-10-15 16:44:29.586366",
      "status": "failed"
    }
  ],
  "end_dttm": "2023-10-15 16:44:39.891890",
  "environment": {
    "actor": "Manual",
    "branch": "main",
    "commit_hash": "54a134583ef6dccbe154e30e1cd09a9d94b6bda0",
    "email": "fabio@paradime.io"
  },
  "error_string": null,
  "id": 63187,
  "run_url": "https://app.demo.paradime.io/bolt/run_id/63187",
  "schedule": exampleSchedule,
  "schedule_name": "daily_run",
  "start_dttm": "2023-10-15 16:44:01.476190",
  "status": "failed",
  "uuid": "a7e76080-b371-369f-a93f-4a4969617ab6",
  "workspace": {
    "name": "demo-jaffle",
    "uid": "n0sg8br1m44k0ryj"
  }
};

const startedExample = {
  "api_url": "https://api.paradime.io/api/v1/abc/graphql",
  "environment": {
    "actor": "Scheduler",
    "branch": null,
    "commit_hash": null,
    "email": null
  },
  "id": 1234,
  "run_url": "https://app.paradime.io/bolt/run_id/1234",
  "schedule": exampleSchedule,
  "schedule_name": "daily_run",
  "start_dttm": "2023-10-15 16:44:01.476190",
  "status": "failed",
  "uuid": "a7e76080-b371-369f-a93f-4a4969617ab6",
  "workspace": {
    "name": "demo-jaffle",
    "uid": "n0sg8br1m44k0ryj"
  }
};

export const paradimeBoltCatalog: readonly CatalogEventType[] = [
  event('bolt.run.started', 'Triggered when a Bolt run is started.', {}, startedExample),
  event(
    'bolt.run.completed',
    'Triggered when a Bolt run is completed. This can be a run that has failed or succeeded.',
    { commands: { type: 'array', description: 'Each command of the schedule and how it went.', items: command }, end_dttm: text, error_string: nullableText },
    completedExample,
  ),
];
