import type { Config } from '../config.js';
import type { SendParams, SendResult } from '../dispatch/sender.js';
import type { MetricsJson } from '../metrics/metrics.js';

/**
 * The messages between the API thread (`host.ts`) and the delivery thread (`worker.ts`) of one
 * process. Wake-ups and config writes are one-way hints; relay sends and metrics reads are
 * requests answered under the same `id`.
 */
export type ToDelivery =
  | { type: 'queued' }
  | { type: 'relay-result'; id: number; result: SendResult }
  | { type: 'metrics-read'; id: number }
  | { type: 'stop' };

export type FromDelivery =
  | { type: 'ready' }
  | { type: 'config-written' }
  | { type: 'relay-send'; id: number; params: RelayParams }
  | { type: 'relay-abort'; id: number }
  | { type: 'metrics'; id: number; metrics: MetricsJson }
  | { type: 'stopped' };

/** `SendParams` without the abort signal, which cannot cross threads (`relay-abort` stands for it). */
export type RelayParams = Omit<SendParams, 'signal'>;

/** What the delivery thread is given at start (`workerData`): plain data only. */
export interface DeliveryThreadData {
  config: Config;
  dataDir: string;
  masterKey: Uint8Array;
  /** The SQLite store's `ThreadLock` buffer, shared with the API thread's connection. */
  threadLock: SharedArrayBuffer;
}

/** Requests in flight, by id: `open` numbers one, `settle` answers it (once; late answers are dropped). */
export class Requests<T> {
  private nextId = 1;
  private readonly pending = new Map<number, (value: T) => void>();

  open(): { id: number; answer: Promise<T> } {
    const id = this.nextId++;
    const answer = new Promise<T>((resolve) => this.pending.set(id, resolve));
    return { id, answer };
  }

  settle(id: number, value: T): void {
    const resolve = this.pending.get(id);
    this.pending.delete(id);
    resolve?.(value);
  }

  /** Answers every request still open (the other thread is gone). */
  settleAll(value: T): void {
    for (const id of [...this.pending.keys()]) this.settle(id, value);
  }
}
