import { Command } from 'commander';
import { action, enc, type Ctx } from '../context.js';
import { CliError, exitCodes } from '../errors.js';
import { progressBar } from '../progress.js';

/**
 * `resend` one message to one endpoint; `recover` (failed deliveries since a time, sent again)
 * and `replay` (messages since a time that never went to the endpoint) for one endpoint or, without
 * one, for every endpoint of the app with a progress bar.
 */
const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** An RFC 3339 time, or a duration back from now: `90s`, `15m`, `2h`, `3d`. */
export function parseSince(value: string, now = Date.now()): string {
  const rel = /^(\d+)([smhd])$/.exec(value);
  if (rel) return new Date(now - Number(rel[1]) * units[rel[2]!]! * 1000).toISOString();
  const time = Date.parse(value);
  if (Number.isNaN(time) || !/\d{4}-\d{2}-\d{2}/.test(value)) throw new CliError(`"${value}" is neither a time (2025-01-31T12:00:00Z) nor a duration (90s, 15m, 2h, 3d)`, exitCodes.usage);
  return new Date(time).toISOString();
}

async function endpointIds(ctx: Ctx, app: string): Promise<string[]> {
  const ids: string[] = [];
  let iterator: string | null = null;
  do {
    const page: { data: { id: string }[]; iterator: string | null; done: boolean } = await ctx.client.get(`/app/${enc(app)}/endpoint?limit=250${iterator ? `&iterator=${enc(iterator)}` : ''}`);
    ids.push(...page.data.map((e) => e.id));
    iterator = page.done ? null : page.iterator;
  } while (iterator);
  return ids;
}

type Range = { since: string; until?: string };

function rangeCommand(name: 'recover' | 'replay', route: string, description: string): Command {
  return new Command(name)
    .argument('<app>')
    .argument('[endpoint]', 'one endpoint; default: every endpoint of the app')
    .description(description)
    .requiredOption('--since <time>', 'start of the range: RFC 3339, or 90s / 15m / 2h / 3d ago')
    .option('--until <time>', 'end of the range (default now)')
    .action(action(async (ctx, app: string, endpoint: string | undefined, opts: Range) => {
      const body = { since: parseSince(opts.since), until: opts.until === undefined ? undefined : parseSince(opts.until) };
      const targets = endpoint === undefined ? await endpointIds(ctx, app) : [endpoint];
      const bar = progressBar(`endpoints (${name})`, targets.length, !ctx.json);
      const tasks: { endpoint: string; task: { id: string; status: string; data?: { messagesSent?: number } } }[] = [];
      for (const ep of targets) {
        tasks.push({ endpoint: ep, task: await ctx.client.post(`/app/${enc(app)}/endpoint/${enc(ep)}/${route}`, body) });
        bar.tick();
      }
      bar.end();
      const sent = tasks.reduce((sum, t) => sum + (t.task.data?.messagesSent ?? 0), 0);
      ctx.print.done(`${name}: ${sent} message(s) queued again for ${targets.length} endpoint(s) since ${body.since}`, { messagesSent: sent, tasks });
    }));
}

export function recoveryCommands(): Command[] {
  const resend = new Command('resend')
    .argument('<app>').argument('<message>').argument('<endpoint>')
    .description('send one message to one endpoint again')
    .action(action(async (ctx, app: string, msg: string, ep: string) => {
      await ctx.client.post(`/app/${enc(app)}/msg/${enc(msg)}/endpoint/${enc(ep)}/resend`);
      ctx.print.done(`resend of ${msg} to ${ep} queued`);
    }));
  return [
    resend,
    rangeCommand('recover', 'recover', 'send again every delivery that failed since a time'),
    rangeCommand('replay', 'replay-missing', 'send messages since a time that never went to the endpoint'),
  ];
}
