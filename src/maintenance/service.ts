/**
 * Maintenance services (DESIGN §8 `src/maintenance/`): background jobs that keep the store in
 * shape, one file each. A service is one `run()`, which reads the time from its clock, so tests
 * call it directly with a fake clock instead of waiting days; `MaintenanceRunner` repeats each
 * every `intervalMs` in a running Herald. Every run is idempotent, so several worker processes
 * sharing a PostgreSQL store may run the same service at once (they share the work, at worst
 * repeat a statement that then changes nothing).
 */
export interface MaintenanceService {
  readonly name: string;
  readonly intervalMs: number;
  /** Whether `start()` waits for a first run (the lease reaper: before the dispatcher claims). */
  readonly runAtStart?: boolean;
  run(): Promise<void>;
}

/** Structural subset of pino's logger. */
export interface MaintenanceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Rows per purge statement: short transactions, so a large backlog never blocks SQLite's one writer for long. */
export const purgeBatchSize = 1_000;

/**
 * Runs a batched purge until a batch comes back short, yielding to the event loop between
 * batches (SQLite statements run on it). Returns the total.
 */
export async function drain(batch: (limit: number) => Promise<number>, limit = purgeBatchSize): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await batch(limit);
    total += n;
    if (n < limit) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A first run of a service not run at start comes after at most this long. */
const firstRunDelayMaxMs = 60_000;

/**
 * Repeats each service every `intervalMs`, never two runs of one service at once: the next run
 * is timed from the end of the previous one. A failed run is logged and tried again at the next
 * interval. Timers are unref'd: they never keep the process alive.
 */
export class MaintenanceRunner {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly services: readonly MaintenanceService[],
    private readonly logger: MaintenanceLogger,
  ) {}

  /** Runs the `runAtStart` services once (awaited), then schedules every service. */
  async start(): Promise<void> {
    for (const s of this.services) {
      if (s.runAtStart) await this.runOnce(s);
      this.schedule(s, s.runAtStart ? s.intervalMs : Math.min(s.intervalMs, firstRunDelayMaxMs));
    }
  }

  /** Cancels the timers and waits for runs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  private schedule(service: MaintenanceService, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      void this.runOnce(service).then(() => this.schedule(service, service.intervalMs));
    }, delayMs);
    timer.unref();
    this.timers.set(service.name, timer);
  }

  private async runOnce(service: MaintenanceService): Promise<void> {
    const run = service.run().catch((err: unknown) => this.logger.error({ err, service: service.name }, 'maintenance: run failed; retrying at the next interval'));
    this.running.add(run);
    await run;
    this.running.delete(run);
  }
}
