import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { action, enc } from '../context.js';
import { CliError, exitCodes } from '../errors.js';
import type { Column } from '../output.js';
import { withProgress } from '../progress.js';

/** apps, event types, endpoints, messages and attempts: thin verbs over the REST API. */
const appColumns: Column[] = [['ID', (a) => a.id], ['UID', (a) => a.uid], ['NAME', (a) => a.name], ['CREATED', (a) => a.createdAt]];
const eventTypeColumns: Column[] = [['NAME', (e) => e.name], ['DESCRIPTION', (e) => e.description], ['DEPRECATED', (e) => e.deprecated], ['ARCHIVED', (e) => e.archived]];
const endpointColumns: Column[] = [['ID', (e) => e.id], ['UID', (e) => e.uid], ['URL', (e) => e.url], ['PROFILE', (e) => e.profile], ['DISABLED', (e) => e.disabled], ['FILTER TYPES', (e) => e.filterTypes]];
const messageColumns: Column[] = [['ID', (m) => m.id], ['EVENT TYPE', (m) => m.eventType], ['EVENT ID', (m) => m.eventId], ['TIMESTAMP', (m) => m.timestamp]];
const statusNames = ['success', 'pending', 'fail', 'sending'];
export const attemptColumns: Column[] = [
  ['ID', (a) => a.id],
  ['MESSAGE', (a) => a.msgId],
  ['ENDPOINT', (a) => a.endpointId],
  ['STATUS', (a) => statusNames[a.status] ?? a.status],
  ['HTTP', (a) => a.responseStatusCode],
  ['MS', (a) => a.responseDurationMs],
  ['TRIGGER', (a) => (a.triggerType === 1 ? 'manual' : 'scheduled')],
  ['TIMESTAMP', (a) => a.timestamp],
];

const limitOption = () => new Option('--limit <n>', 'items per page (max 250)').argParser(positiveInt);
const iteratorOption = () => new Option('--iterator <it>', 'continue a listing where the previous page ended');

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`"${value}" is not a positive integer`, exitCodes.usage);
  return n;
}

function listQuery(opts: { limit?: number; iterator?: string }): string {
  const q = new URLSearchParams();
  if (opts.limit !== undefined) q.set('limit', String(opts.limit));
  if (opts.iterator !== undefined) q.set('iterator', opts.iterator);
  const text = q.toString();
  return text === '' ? '' : `?${text}`;
}

function readJsonArgument(what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${what} is not valid JSON: ${(err as Error).message}`, exitCodes.usage);
  }
}

export function appCommand(): Command {
  const cmd = new Command('app').alias('apps').description('applications (tenants)');
  cmd.command('list').description('list applications').addOption(limitOption()).addOption(iteratorOption())
    .action(action(async (ctx, opts: { limit?: number; iterator?: string }) => ctx.print.list(await ctx.client.get(`/app${listQuery(opts)}`), appColumns)));
  cmd.command('create <name>').description('create an application (or return the one with --uid)').option('--uid <uid>', 'your own id for it')
    .action(action(async (ctx, name: string, opts: { uid?: string }) => ctx.print.one(await ctx.client.post('/app?get_if_exists=true', { name, uid: opts.uid ?? null }), appColumns)));
  cmd.command('get <app>').description('show an application by id or uid')
    .action(action(async (ctx, app: string) => ctx.print.one(await ctx.client.get(`/app/${enc(app)}`), appColumns)));
  cmd.command('delete <app>').description('delete an application and everything in it')
    .action(action(async (ctx, app: string) => {
      await ctx.client.request('DELETE', `/app/${enc(app)}`);
      ctx.print.done(`deleted application ${app}`);
    }));
  return cmd;
}

export function eventTypeCommand(): Command {
  const cmd = new Command('event-type').alias('event-types').description('the event-type catalog');
  cmd.command('list').description('list event types').addOption(limitOption()).addOption(iteratorOption())
    .action(action(async (ctx, opts: { limit?: number; iterator?: string }) => ctx.print.list(await ctx.client.get(`/event-type${listQuery(opts)}`), eventTypeColumns)));
  cmd.command('create <name>').description('create an event type').option('--description <text>', 'what it means', '').option('--schema <file>', 'JSON Schema file for its payloads')
    .action(action(async (ctx, name: string, opts: { description: string; schema?: string }) => {
      const schemas = opts.schema === undefined ? undefined : { '1': readJsonArgument(`--schema ${opts.schema}`, readFileSync(opts.schema, 'utf8')) };
      ctx.print.one(await ctx.client.post('/event-type', { name, description: opts.description, schemas }), eventTypeColumns);
    }));
  cmd.command('import <profile>').description("install a profile's catalog (paradym, dbt-cloud, paradime-bolt, atscale)")
    .action(action(async (ctx, profile: string) => {
      const result = await withProgress(`installing the ${profile} catalog`, !ctx.json, () => ctx.client.post(`/event-type/import/profile/${enc(profile)}`));
      ctx.print.done(`${profile}: created ${result.created?.length ?? 0}, updated ${result.updated?.length ?? 0}, unchanged ${result.unchanged?.length ?? 0}, skipped ${result.skipped?.length ?? 0}`, result);
    }));
  return cmd;
}

export function endpointCommand(): Command {
  const cmd = new Command('endpoint').alias('endpoints').description("an application's endpoints");
  cmd.command('list <app>').description('list endpoints').addOption(limitOption()).addOption(iteratorOption())
    .action(action(async (ctx, app: string, opts: { limit?: number; iterator?: string }) => ctx.print.list(await ctx.client.get(`/app/${enc(app)}/endpoint${listQuery(opts)}`), endpointColumns)));
  cmd.command('create <app> <url>').description('register an endpoint')
    .option('--profile <name>', 'standard, paradym, dbt-cloud, paradime-bolt or atscale')
    .option('--uid <uid>', 'your own id for it')
    .option('--description <text>', 'what it is for')
    .option('--filter-types <names>', 'comma-separated event types it gets (default: all)')
    .option('--secret <whsec>', 'its signing secret (default: generated)')
    .action(action(async (ctx, app: string, url: string, opts: { profile?: string; uid?: string; description?: string; filterTypes?: string; secret?: string }) => {
      const body = { url, profile: opts.profile, uid: opts.uid, description: opts.description, secret: opts.secret, filterTypes: opts.filterTypes?.split(',').map((s) => s.trim()) };
      ctx.print.one(await ctx.client.post(`/app/${enc(app)}/endpoint`, body), endpointColumns);
    }));
  cmd.command('get <app> <endpoint>').description('show an endpoint')
    .action(action(async (ctx, app: string, ep: string) => ctx.print.one(await ctx.client.get(`/app/${enc(app)}/endpoint/${enc(ep)}`), endpointColumns)));
  cmd.command('secret <app> <endpoint>').description("show an endpoint's signing secret")
    .action(action(async (ctx, app: string, ep: string) => {
      const secret = await ctx.client.get(`/app/${enc(app)}/endpoint/${enc(ep)}/secret`);
      ctx.print.done(secret.key, secret);
    }));
  cmd.command('delete <app> <endpoint>').description('delete an endpoint')
    .action(action(async (ctx, app: string, ep: string) => {
      await ctx.client.request('DELETE', `/app/${enc(app)}/endpoint/${enc(ep)}`);
      ctx.print.done(`deleted endpoint ${ep}`);
    }));
  return cmd;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The payload from the argument, `--file`, or stdin (`-`, or no argument with piped input). */
async function payloadText(argument: string | undefined, file: string | undefined): Promise<string> {
  if (argument !== undefined && file !== undefined) throw new CliError('give the payload as an argument or with --file, not both', exitCodes.usage);
  if (file !== undefined) return readFileSync(file, 'utf8');
  if (argument !== undefined && argument !== '-') return argument;
  if (argument === undefined && process.stdin.isTTY) throw new CliError('no payload: pass JSON as an argument, --file <path>, or pipe it in', exitCodes.usage);
  return readStdin();
}

export function messageCommand(): Command {
  const cmd = new Command('message').alias('messages').description("an application's messages");
  cmd.command('list <app>').description('list messages, newest first').option('--event-type <name>', 'only this event type').addOption(limitOption()).addOption(iteratorOption())
    .action(action(async (ctx, app: string, opts: { limit?: number; iterator?: string; eventType?: string }) => {
      const query = listQuery(opts) + (opts.eventType ? `${opts.limit || opts.iterator ? '&' : '?'}event_types=${enc(opts.eventType)}` : '');
      ctx.print.list(await ctx.client.get(`/app/${enc(app)}/msg${query}`), messageColumns);
    }));
  cmd.command('send <app> <eventType> [payload]').description('send a message; the payload is JSON from the argument, --file, or stdin ("-")')
    .option('--file <path>', 'read the payload from a file')
    .option('--event-id <id>', 'your id for the event (a duplicate is refused)')
    .option('--channel <names>', 'comma-separated channels')
    .action(action(async (ctx, app: string, eventType: string, payload: string | undefined, opts: { file?: string; eventId?: string; channel?: string }) => {
      const parsed = readJsonArgument('the payload', await payloadText(payload, opts.file));
      const body = { eventType, payload: parsed, eventId: opts.eventId, channels: opts.channel?.split(',').map((s) => s.trim()) };
      ctx.print.one(await ctx.client.post(`/app/${enc(app)}/msg`, body), messageColumns);
    }));
  cmd.command('get <app> <message>').description('show a message with its payload')
    .action(action(async (ctx, app: string, msg: string) => ctx.print.one(await ctx.client.get(`/app/${enc(app)}/msg/${enc(msg)}`), [...messageColumns, ['PAYLOAD', (m) => JSON.stringify(m.payload)]])));
  return cmd;
}

export function attemptCommand(): Command {
  const cmd = new Command('attempt').alias('attempts').description('delivery attempts');
  cmd.command('list <app>').description('list attempts of a message (--msg) or of an endpoint (--endpoint), newest first')
    .option('--msg <message>', 'attempts of this message')
    .option('--endpoint <endpoint>', 'attempts to this endpoint')
    .addOption(limitOption()).addOption(iteratorOption())
    .action(action(async (ctx, app: string, opts: { msg?: string; endpoint?: string; limit?: number; iterator?: string }) => {
      if ((opts.msg === undefined) === (opts.endpoint === undefined)) throw new CliError('give exactly one of --msg <message> or --endpoint <endpoint>', exitCodes.usage);
      const path = opts.msg !== undefined ? `/attempt/msg/${enc(opts.msg)}` : `/attempt/endpoint/${enc(opts.endpoint!)}`;
      ctx.print.list(await ctx.client.get(`/app/${enc(app)}${path}${listQuery(opts)}`), attemptColumns);
    }));
  return cmd;
}
