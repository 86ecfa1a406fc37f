import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { BadRequestError, ValidationError, type ValidationItem } from '../domain/errors.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module namespace.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/**
 * Every Ajv instance Herald builds, for request schemas and for event types' payload schemas
 * (`payload-schema.ts`, which picks the draft-07 or 2020-12 class): all errors reported, unknown
 * keywords tolerated, the standard formats (`date-time`, `email`, `uri`…) known.
 */
export function makeAjv<T extends Ajv>(AjvClass: new (options: Options) => T, options: Options = {}): T {
  const ajv = new AjvClass({ allErrors: true, strict: false, ...options });
  addFormats(ajv);
  return ajv;
}

/**
 * Validation as strict as Svix's: bodies are never coerced (a number where a string belongs is
 * 422), while path and query parameters, which are always strings on the wire, are coerced to
 * the schema's type. Unknown body fields are ignored, as Svix's SDKs expect.
 */
const requestAjv = (coerce: boolean) => makeAjv(Ajv, { coerceTypes: coerce, useDefaults: true, removeAdditional: false });
const bodyAjv = requestAjv(false);
const paramAjv = requestAjv(true);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : paramAjv).compile(schema as object);

const partLoc: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/**
 * Ajv's errors in Svix's 422 shape: `loc` is the part then the path, all strings.
 * A nullable field is `anyOf [T, null]`, for which Ajv reports three errors (T's rule, "must be
 * null", "must match a schema in anyOf"); only T's is kept, so that each field reads as one
 * problem, as in Svix.
 */
export function ajvToValidationItems(errors: ErrorObject[], part: string): ValidationItem[] {
  const isNullBranch = (e: ErrorObject) => e.keyword === 'type' && (e.params as { type?: unknown }).type === 'null' && e.schemaPath.includes('/anyOf/');
  const explained = new Set(errors.filter((e) => e.keyword !== 'anyOf' && !isNullBranch(e)).map((e) => e.instancePath));
  const kept = errors.filter((e) => !isNullBranch(e) && !(e.keyword === 'anyOf' && explained.has(e.instancePath)));
  return (kept.length > 0 ? kept : errors).map((e) => {
    const path = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (e.keyword === 'required') path.push(String((e.params as { missingProperty: string }).missingProperty));
    return { loc: [partLoc[part] ?? part, ...path], msg: e.message ?? 'invalid', type: `value_error.${e.keyword}` };
  });
}

/** Depth of a parsed JSON value (a scalar is 0), computed without recursion. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth]);
    }
  }
  return max;
}

/**
 * How much deeper than `maxJsonDepth` a whole body may nest: a batch body wraps each payload in
 * three levels (`{messages: [{payload}]}`). This is only the guard against absurd nesting before
 * any route runs; routes that carry payloads check each payload's own depth exactly.
 */
export const bodyDepthSlack = 3;

/** A JSON text can only carry a lone UTF-16 surrogate as a `\uD800`–`\uDFFF` escape. */
const surrogateEscape = /\\u[dD][89a-fA-F]/;
/** With the `u` flag a well-formed pair is one code point, so only lone surrogates match. */
const loneSurrogate = /\p{Cs}/u;

/** Whether any string (key or value) in a parsed JSON value holds a lone surrogate; no recursion. */
export function hasLoneSurrogate(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (loneSurrogate.test(v)) return true;
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, child] of Object.entries(v)) stack.push(key, child);
    }
  }
  return false;
}

/**
 * JSON bodies: parsed by JSON.parse, with a clear 400 for text that is not JSON and a 422 when
 * nesting exceeds the limit plus `bodyDepthSlack`. A lone surrogate escape (`"\ud800"`) is valid
 * JSON text but no Unicode character: stored as UTF-8 it would come back as U+FFFD, so it is a 400
 * like any other text that is not Unicode JSON. The walk runs only
 * when the text has such an escape at all, so ordinary bodies pay one regex scan.
 * A request with a body but no JSON content type is refused by Fastify with 415.
 */
export function registerJsonParser(app: FastifyInstance, maxJsonDepth: number): void {
  // Fastify also parses text/plain by default; without it a non-JSON body is 415, not a 422
  // about a string where an object belongs.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    const body = text as string;
    if (body.trim() === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      return done(new BadRequestError(`the request body is not valid JSON: ${(err as Error).message}`), undefined);
    }
    if (surrogateEscape.test(body) && hasLoneSurrogate(parsed)) {
      return done(new BadRequestError('the request body is not valid JSON: a \\u escape encodes a lone UTF-16 surrogate, which is not a Unicode character'), undefined);
    }
    if (jsonDepth(parsed) > maxJsonDepth + bodyDepthSlack) {
      return done(ValidationError.field(['body'], `JSON nests deeper than ${maxJsonDepth} levels`, 'value_error.jsondepth'), undefined);
    }
    done(null, parsed);
  });
}
