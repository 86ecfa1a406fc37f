import { createHmac } from 'node:crypto';
import { expect } from 'vitest';
import { call, type HeraldProcess } from './server.js';

/**
 * REST calls the profile end-to-end tests share. Herald's endpoint extensions (`profile`,
 * `profileOptions`, `payloadFilter`, `retrySchedule`…) go over plain REST: the svix SDK does not
 * know them.
 */
type Herald = Pick<HeraldProcess, 'url' | 'token'>;

/** Calls Herald and asserts the status; returns the parsed body. */
export async function expectCall(herald: Herald, method: string, path: string, status: number, body?: unknown): Promise<any> {
  const res = await call(herald, method, path, body === undefined ? {} : { body });
  expect(res.status, `${method} ${path} answered ${res.status}: ${res.text}`).toBe(status);
  return res.json;
}

/** Installs the profile's catalog and creates an application with `uid` (none when null). */
export async function profileApp(herald: Herald, profile: string, uid: string | null): Promise<{ id: string; uid: string | null }> {
  await expectCall(herald, 'POST', `/event-type/import/profile/${profile}`, 200);
  return expectCall(herald, 'POST', '/app', 201, { name: `${profile} tenant`, uid });
}

/** Creates an endpoint (extension fields allowed) and returns it with its secret string. */
export async function profileEndpoint(herald: Herald, appId: string, body: Record<string, unknown>): Promise<{ id: string; secret: string; [k: string]: unknown }> {
  const ep = await expectCall(herald, 'POST', `/app/${appId}/endpoint`, 201, body);
  const { key } = await expectCall(herald, 'GET', `/app/${appId}/endpoint/${ep.id}/secret`, 200);
  return { ...ep, secret: key as string };
}

/** Sends a message (202) and returns the `MessageOut`. */
export function sendMessage(herald: Herald, appId: string, message: Record<string, unknown>): Promise<any> {
  return expectCall(herald, 'POST', `/app/${appId}/msg`, 202, message);
}

/** The endpoints a message has a delivery for, sorted: decided at ingest, so final once sent. */
export async function destinationIds(herald: Herald, appId: string, msgId: string): Promise<string[]> {
  return ((await expectCall(herald, 'GET', `/app/${appId}/msg/${msgId}/endpoint`, 200)).data as { id: string }[]).map((d) => d.id).sort();
}

/** Hex HMAC-SHA256 of the raw body keyed with the secret string's UTF-8 bytes, as Paradym's and dbt's receivers compute it. */
export function hexHmac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}
