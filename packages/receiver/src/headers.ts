/**
 * Headers as any framework hands them over: a Web `Headers`, Node's `IncomingHttpHeaders`
 * (lower-cased names; repeated headers as arrays), or a plain record with names in any case.
 */
export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export type HeaderGetter = (name: string) => string | undefined;

/** Case-insensitive lookup; a repeated header's values are joined with a space (as signature lists are). */
export function headerGetter(source: HeaderSource): HeaderGetter {
  if (typeof (source as Headers).get === 'function' && typeof (source as Headers).has === 'function') {
    const headers = source as Headers;
    return (name) => headers.get(name) ?? undefined;
  }
  const lower = new Map<string, string>();
  for (const [name, value] of Object.entries(source as Record<string, string | readonly string[] | undefined>)) {
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : value.join(' ');
    const key = name.toLowerCase();
    const prior = lower.get(key);
    lower.set(key, prior === undefined ? text : `${prior} ${text}`);
  }
  return (name) => lower.get(name.toLowerCase());
}
