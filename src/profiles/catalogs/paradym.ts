import type { CatalogEventType } from '../profile.js';
import { catalogEvent } from './catalog-event.js';

/**
 * Paradym's six `workflowExecution.*` events (seed 002, "Webhook Events"). The examples are the
 * `payload` objects of the seed's examples; Herald builds the envelope around them (webhookId,
 * webhookPublishedAt, projectId, eventType).
 *
 * Repair: the `workflowExecution.failed` example marks `workflowActionId` with a `// optional`
 * comment, which JSON does not allow; the comment is dropped and the schema makes the field
 * optional, as the comment says.
 */
const workflow = {
  workflowId: { type: 'string', description: 'The workflow.' },
  workflowExecutionId: { type: 'string', description: 'The execution; retrieve it with the Paradym API.' },
} as const;
const workflowAction = { workflowActionId: { type: 'string', description: 'The workflow action.' } } as const;

function event(name: string, description: string, extra: Record<string, unknown>, required: string[], example: Record<string, unknown>): CatalogEventType {
  return catalogEvent(name, description, { ...workflow, ...extra }, ['workflowId', 'workflowExecutionId', ...required], [example]);
}

const ids = { workflowId: 'workflow-id', workflowExecutionId: 'workflow-execution-id' };

export const paradymCatalog: readonly CatalogEventType[] = [
  event('workflowExecution.started', 'Event dispatched when a workflow execution is started.', {}, [], ids),
  event('workflowExecution.actionExecuted', 'Event dispatched when a workflow action is executed.', workflowAction, ['workflowActionId'], {
    ...ids,
    workflowActionId: 'workflow-action-id',
  }),
  event('workflowExecution.completed', 'Event dispatched when a workflow finishes its execution successfully.', {}, [], ids),
  event('workflowExecution.waitingForTrigger', 'Event dispatched when a workflow is waiting for an external trigger to resume its execution.', workflowAction, ['workflowActionId'], {
    ...ids,
    workflowActionId: 'workflow-action-id',
  }),
  event('workflowExecution.canceled', 'Event dispatched when a workflow execution is manually canceled.', {}, [], ids),
  event(
    'workflowExecution.failed',
    'Event dispatched when a workflow fails during its execution.',
    {
      ...workflowAction,
      error: {
        type: 'object',
        description: 'What went wrong.',
        properties: { message: { type: 'string' }, code: { type: 'string' }, details: { type: 'string' } },
        required: ['message', 'code'],
      },
    },
    ['error'],
    {
      ...ids,
      workflowActionId: 'workflow-action-id',
      error: { message: 'error-message', code: 'error-code', details: 'error-details' },
    },
  ),
];
