import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertApp, insertEndpoint, insertMessage } from '../../test/helpers/factory.js';
import { openTestStore, type TestStore } from '../../test/helpers/open-test-store.js';
import { QueuedSignal, joinSignals } from './queued-signal.js';

describe('joinSignals', () => {
  let opened: TestStore;
  beforeEach(async () => {
    opened = await openTestStore('sqlite');
  });
  afterEach(() => opened.close());

  it('calls a listener for the store’s own writes and for the foreign signal, and unsubscribes from both', async () => {
    const queued = new QueuedSignal();
    const configWritten = new QueuedSignal();
    const store = joinSignals(opened.store, { queued, configWritten });
    const heard: string[] = [];
    const stopQueued = store.onDeliveriesQueued(() => heard.push('queued'));
    const stopConfig = store.onConfigWritten(() => heard.push('config'));

    const app = await insertApp(store);
    const ep = await insertEndpoint(store, app.id);
    expect(heard).toEqual(['config', 'config']);
    await insertMessage(store, app.id, [ep.id]);
    queued.emit();
    configWritten.emit();
    expect(heard).toEqual(['config', 'config', 'queued', 'queued', 'config']);

    stopQueued();
    stopConfig();
    await insertMessage(store, app.id, [ep.id]);
    queued.emit();
    configWritten.emit();
    expect(heard).toHaveLength(5);
  });
});
