import type { Connection } from './config.js';
import { CliError, exitCodeForStatus, exitCodes } from './errors.js';

/** Herald's REST API over fetch; every failure becomes a `CliError` with the exit code it deserves. */
export const requestTimeoutMs = 30_000;

export class Client {
  constructor(readonly connection: Connection) {}

  async request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.connection.token !== null) headers.authorization = `Bearer ${this.connection.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const url = `${this.connection.url}/api/v1${path}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(requestTimeoutMs) });
    } catch (err) {
      throw unreachable(this.connection.url, err);
    }
    const text = await res.text();
    if (res.ok) return (text === '' ? {} : JSON.parse(text)) as T;
    throw new CliError(`${method} ${path}: ${res.status} ${describeError(text)}`, exitCodeForStatus(res.status));
  }

  get<T = any>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }
}

export function unreachable(url: string, err: unknown): CliError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${requestTimeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? (err as Error).message);
  return new CliError(`cannot reach Herald at ${url} (${reason}). Is it running (herald start)? Set --url, HERALD_URL or herald login.`, exitCodes.unreachable);
}

/** Herald's `{code, detail}` errors, and 422 `detail` lists, in one line. */
function describeError(text: string): string {
  try {
    const body = JSON.parse(text) as { code?: string; detail?: unknown };
    if (Array.isArray(body.detail)) {
      return (body.detail as { loc?: string[]; msg?: string }[]).map((d) => `${(d.loc ?? []).join('.')}: ${d.msg}`).join('; ');
    }
    return [body.code, typeof body.detail === 'string' ? body.detail : ''].filter(Boolean).join(': ');
  } catch {
    return text.slice(0, 200);
  }
}
