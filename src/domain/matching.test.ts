import siftModule from 'sift';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { endpoint } from '../../test/helpers/factory.js';
import { newId } from './ids.js';
import { endpointMatches, payloadFilterCacheSizeDefault } from './matching.js';

// Counts sift compiles while keeping sift's behaviour.
vi.mock('sift', async (importOriginal) => {
  const real = (await importOriginal<{ default: (q: unknown) => (v: unknown) => boolean }>()).default;
  return { default: vi.fn(real) };
});
const sift = siftModule as unknown as ReturnType<typeof vi.fn>;

const appId = newId('app');
const msg = (payload: unknown) => ({ eventType: 'e', channels: null, payload });
/** A fresh endpoint object, as each request reads them from the store. */
const withFilter = (filter: Record<string, unknown>) => endpoint(appId, { payloadFilter: JSON.parse(JSON.stringify(filter)) });

beforeEach(() => {
  sift.mockClear();
});

describe('payload filter cache', () => {
  it('compiles the same filter text once, across fresh endpoint objects', () => {
    const filter = { amount: { $gt: 100 }, 'cache-test': 1 };
    expect(endpointMatches(withFilter(filter), msg({ amount: 150, 'cache-test': 1 }))).toBe(true);
    expect(endpointMatches(withFilter(filter), msg({ amount: 50, 'cache-test': 1 }))).toBe(false);
    expect(endpointMatches(withFilter(filter), msg({ amount: 500, 'cache-test': 1 }))).toBe(true);
    expect(sift).toHaveBeenCalledTimes(1);
    endpointMatches(withFilter({ ...filter, other: true }), msg({}));
    expect(sift).toHaveBeenCalledTimes(2);
  });

  it(`keeps at most ${payloadFilterCacheSizeDefault} filters, dropping the least recently used`, () => {
    const first = { n: -1, bound: 'first' };
    const kept = { n: -2, bound: 'kept' };
    endpointMatches(withFilter(first), msg({}));
    endpointMatches(withFilter(kept), msg({}));
    for (let n = 0; n < payloadFilterCacheSizeDefault - 2; n++) endpointMatches(withFilter({ n, bound: 'fill' }), msg({}));
    endpointMatches(withFilter(kept), msg({}));
    sift.mockClear();
    endpointMatches(withFilter({ n: 'one more', bound: 'over' }), msg({}));
    endpointMatches(withFilter(kept), msg({}));
    expect(sift).toHaveBeenCalledTimes(1);
    endpointMatches(withFilter(first), msg({}));
    expect(sift).toHaveBeenCalledTimes(2);
  });
});
