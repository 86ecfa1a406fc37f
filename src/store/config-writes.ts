import type { Store } from './driver.js';

/** The configuration a message's matching reads: applications, endpoints, event types. */
const configNoun = /^(application|endpoint|eventType)(.*)$/;
/** Their operations that only read. */
const readVerb = /^(Get|List|Names)/;

/**
 * Adds `Store.onConfigWritten` to a driver: every operation on applications, endpoints or event
 * types that is not a read (`…Get`, `…List…`, `…Names…`: any other verb, so that an operation
 * added later counts as a write by default), and an outcome batch that disables an endpoint
 * (410 Gone), calls the listeners once it has settled, whether it succeeded or not (a failed
 * write may still have changed something the caller cannot see). Ingest's lookup cache
 * (`src/api/ingest-lookups.ts`) drops what it holds on that call. Writes by other processes are
 * not seen here.
 */
export function signalConfigWrites(ops: Omit<Store, 'onConfigWritten'>): Store {
  const listeners = new Set<() => void>();
  const emit = (): void => {
    for (const listener of listeners) listener();
  };
  const after = <R>(promise: Promise<R>): Promise<R> => promise.finally(emit);
  const wrapped: Record<string, unknown> = { ...ops };
  for (const [name, op] of Object.entries(ops)) {
    const verb = configNoun.exec(name)?.[2];
    if (typeof op !== 'function' || verb === undefined || readVerb.test(verb)) continue;
    wrapped[name] = (arg: unknown) => after((op as (arg: unknown) => Promise<unknown>)(arg));
  }
  wrapped.deliveryRecordOutcomes = (p: Parameters<Store['deliveryRecordOutcomes']>[0]) => {
    const result = ops.deliveryRecordOutcomes(p);
    return p.outcomes.some((o) => o.disableEndpoint) ? after(result) : result;
  };
  wrapped.onConfigWritten = (listener: () => void) => {
    const entry = (): void => listener();
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
    };
  };
  return wrapped as unknown as Store;
}
