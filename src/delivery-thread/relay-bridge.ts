import { failed, relayHub, type RelayTransport } from '../dispatch/relay-transport.js';
import type { SendParams, SendResult } from '../dispatch/sender.js';
import { Requests, type FromDelivery, type RelayParams, type ToDelivery } from './protocol.js';

/**
 * `herald listen` sessions connect to the API thread, which holds the relay hub; the dispatcher
 * runs in the delivery thread. The bridge carries each relay send across and its answer back:
 * `RelayBridge` is the delivery thread's relay transport, `RelayHost` runs the sends on the hub.
 */
export class RelayBridge implements RelayTransport {
  private readonly requests = new Requests<SendResult>();

  constructor(private readonly post: (message: FromDelivery) => void) {}

  send(params: SendParams): Promise<SendResult> {
    const { signal, ...crossing } = params;
    if (signal?.aborted) return Promise.resolve(failed('aborted', 'aborted before it was sent'));
    const { id, answer } = this.requests.open();
    const onAbort = (): void => {
      this.post({ type: 'relay-abort', id });
      this.requests.settle(id, failed('aborted', 'aborted before a response came back'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    this.post({ type: 'relay-send', id, params: crossing });
    return answer.finally(() => signal?.removeEventListener('abort', onAbort));
  }

  /** The host's answer to send `id`. */
  answered(id: number, result: SendResult): void {
    this.requests.settle(id, result);
  }
}

export class RelayHost {
  private readonly inFlight = new Map<number, AbortController>();

  constructor(
    private readonly post: (message: ToDelivery) => void,
    private readonly hub: RelayTransport = relayHub,
  ) {}

  send(id: number, params: RelayParams): void {
    const controller = new AbortController();
    this.inFlight.set(id, controller);
    void this.hub.send({ ...params, signal: controller.signal }).then((result) => {
      this.inFlight.delete(id);
      this.post({ type: 'relay-result', id, result });
    });
  }

  abort(id: number): void {
    this.inFlight.get(id)?.abort();
  }
}
