/**
 * Calls Herald's API with the browser session (an HTTP-only cookie the page never sees). Every
 * call names its surface in `X-Herald-Session`: Herald requires it on cookie-authenticated writes
 * (CSRF protection) and uses it to pick the console or the portal cookie.
 */
export type Surface = 'console' | 'portal';

let surface: Surface = 'console';
export function setSurface(s: Surface): void {
  surface = s;
}

export const sessionEndedEvent = 'herald-session-ended';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface ErrorBody {
  detail?: string | { loc?: string[]; msg?: string }[];
}

/** A person-readable sentence from Herald's error shapes (`{code, detail}` and 422 items). */
function errorMessage(status: number, body: ErrorBody | null): string {
  const detail = body?.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) return detail.map((d) => `${(d.loc ?? []).filter((l) => l !== 'body').join('.')}: ${d.msg ?? 'invalid'}`).join('; ');
  return `the server answered ${status}`;
}

export async function request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-herald-session': surface };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await res.text();
  const parsed = text === '' ? null : (JSON.parse(text) as unknown);
  // The session ended (expired, or the admin token changed): the page goes back to signing in.
  if (res.status === 401 && path.startsWith('/api/')) window.dispatchEvent(new Event(sessionEndedEvent));
  if (!res.ok) throw new ApiError(res.status, errorMessage(res.status, parsed as ErrorBody | null));
  return parsed as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', `/api/v1${path}`),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', `/api/v1${path}`, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', `/api/v1${path}`, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', `/api/v1${path}`, body),
  del: (path: string) => request<void>('DELETE', `/api/v1${path}`),
};

export interface ListOut<T> {
  data: T[];
  iterator: string | null;
  done: boolean;
}

export interface AppOut {
  id: string;
  uid: string | null;
  name: string;
  createdAt: string;
}

export interface EndpointOut {
  id: string;
  url: string;
  description: string;
  disabled: boolean;
  filterTypes: string[] | null;
  rateLimit: number | null;
  profile: string;
  profileOptions: Record<string, unknown>;
  payloadFilter: Record<string, unknown> | null;
  createdAt: string;
}

export interface EventTypeOut {
  name: string;
  description: string;
  archived: boolean;
  schemas: Record<string, unknown> | null;
}

export interface MessageOut {
  id: string;
  eventType: string;
  eventId: string | null;
  channels: string[] | null;
  payload: unknown;
  timestamp: string;
}

export interface AttemptOut {
  id: string;
  msgId: string;
  endpointId: string;
  url: string;
  response: string;
  responseStatusCode: number;
  responseDurationMs: number;
  responseHeaders: Record<string, string> | null;
  status: number;
  triggerType: number;
  timestamp: string;
}

export interface AttemptRequestOut {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

export interface MessageEndpointOut extends EndpointOut {
  status: number;
  nextAttempt: string | null;
}

export interface TaskOut {
  id: string;
  status: 'running' | 'finished' | 'failed';
  task: string;
  data?: Record<string, unknown>;
}

export interface ProfileOut {
  name: string;
  timeoutMs: number;
  retrySchedule: number[] | null;
  catalog: string[];
}

export interface Verification {
  status: 'verified' | 'failed' | 'unsigned' | 'unchecked';
  detail: string;
}

export interface CapturedRequest {
  id: string;
  receivedAt: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  bodyBytes: number;
  truncated: boolean;
  verification: Verification;
}

export interface BinOut {
  id: string;
  name: string;
  profile: string;
  secret: string | null;
  url: string;
  createdAt: string;
  expiresAt: string;
  requestCount: number;
}

/** Svix's MessageStatus numbers. */
export const statusNames: Record<number, string> = { 0: 'succeeded', 1: 'pending', 2: 'failed', 3: 'sending' };
