import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { Id } from '../domain/ids.js';
import type { SecretBox } from '../domain/secrets.js';
import type { HeraldMetrics } from '../metrics/metrics.js';
import type { Store } from '../store/driver.js';
import type { IngestLookups } from './ingest-lookups.js';
import type { PayloadSchemas } from './payload-schema.js';

/** What the API needs from the outside; `buildApp` receives it and routes read it as `app.herald`. */
export interface ApiDeps {
  config: Config;
  store: Store;
  clock: Clock;
  secretBox: SecretBox;
  logger?: FastifyBaseLogger;
  /** Prometheus metrics for `GET /metrics` (`src/metrics/`); a fresh registry when absent. */
  metrics?: HeraldMetrics;
  /** Called after messages or deliveries were committed, to wake the dispatcher at once. */
  onDeliveriesQueued?: () => void;
}

/**
 * Who is calling: the organisation (admin token) or one application's portal; a read-only portal
 * token may only read, and not endpoint secrets (enforced in `auth.ts`).
 */
export type Caller = { kind: 'admin' } | { kind: 'app'; appId: Id<'app'>; readOnly: boolean };

declare module 'fastify' {
  interface FastifyInstance {
    herald: ApiDeps;
    /** One per app, so that its compiled validators outlive the request. */
    payloadSchemas: PayloadSchemas;
    /** Ingest's cached reads of apps, endpoints and event types. */
    ingestLookups: IngestLookups;
  }
  interface FastifyRequest {
    caller: Caller;
  }
}
