import { HeraldError } from '../domain/errors.js';
import { isOperationalApp } from '../operational/publisher.js';
import type { Store } from '../store/driver.js';
import type { HeraldMetrics } from './metrics.js';

/**
 * Wraps a store so that the metrics see every operation without a hook in the API or the
 * dispatcher: a committed `messageInsert` counts its messages as accepted, and an operation that
 * fails for a reason other than the request counts as a store error. Domain answers (not found,
 * conflict, bad request) are the request's fault and are not counted; a lost database
 * (`UnavailableError`, a 503) is.
 */
export function instrumentStore(store: Store, metrics: HeraldMetrics): Store {
  const isStoreFault = (err: unknown) => !(err instanceof HeraldError) || err.status >= 500;
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function') {
      wrapped[name] = value;
      continue;
    }
    // Every operation passes through; only the ones that answer a promise are watched for faults,
    // so synchronous members (listener registration) need no list of exceptions here.
    const op = value as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      const result = op(...args);
      if (!(result instanceof Promise)) return result;
      return result.catch((err: unknown) => {
        if (isStoreFault(err)) metrics.storeErrors.inc({ operation: name });
        throw err;
      });
    };
  }
  const insert = wrapped.messageInsert as Store['messageInsert'];
  wrapped.messageInsert = async (p: Parameters<Store['messageInsert']>[0]) => {
    await insert(p);
    // Operational events are Herald's own messages, not accepted ones.
    const accepted = p.items.filter((i) => !isOperationalApp(i.message.appId)).length;
    if (accepted > 0) metrics.messagesAccepted.inc(accepted);
  };
  return wrapped as unknown as Store;
}
