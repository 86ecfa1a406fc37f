import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { BadRequestError, ValidationError, type ValidationItem } from '../domain/errors.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module namespace.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/**
 * Validation as strict as Svix's: bodies are never coerced (a number where a string belongs is
 * 422), while path and query parameters, which are always strings on the wire, are coerced to
 * the schema's type. Unknown body fields are ignored, as Svix's SDKs expect.
 */
function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ coerceTypes: coerce, useDefaults: true, removeAdditional: false, allErrors: true, strict: false });
  addFormats(ajv);
  return ajv;
}

const bodyAjv = makeAjv(false);
const paramAjv = makeAjv(true);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : paramAjv).compile(schema as object);

const partLoc: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** Ajv's errors in Svix's 422 shape: `loc` is the part then the path, all strings. */
export function ajvToValidationItems(errors: ErrorObject[], part: string): ValidationItem[] {
  return errors.map((e) => {
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
 * JSON bodies: parsed by JSON.parse, with a clear 400 for text that is not JSON and a 422 when
 * nesting exceeds the limit (the body wraps the payload, so it may be one level deeper).
 * A request with a body but no JSON content type is refused by Fastify with 415.
 */
export function registerJsonParser(app: FastifyInstance, maxJsonDepth: number): void {
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    const body = text as string;
    if (body.trim() === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      return done(new BadRequestError(`the request body is not valid JSON: ${(err as Error).message}`), undefined);
    }
    if (jsonDepth(parsed) > maxJsonDepth + 1) {
      return done(ValidationError.field(['body'], `JSON nests deeper than ${maxJsonDepth} levels`, 'value_error.jsondepth'), undefined);
    }
    done(null, parsed);
  });
}
