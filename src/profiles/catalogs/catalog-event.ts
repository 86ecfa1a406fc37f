import type { CatalogEventType } from '../profile.js';

/** Every catalog schema declares JSON Schema draft 2020-12, which `compilePayloadSchema` runs. */
export const jsonSchemaDialect = 'https://json-schema.org/draft/2020-12/schema';

/**
 * One catalog entry: an object schema titled and described by the event, with the seed's
 * example payloads as `examples`. Properties not listed stay allowed: products add fields, and a
 * producer sending a newer payload must not be refused.
 */
export function catalogEvent(
  name: string,
  description: string,
  properties: Record<string, unknown>,
  required: readonly string[],
  examples: readonly Record<string, unknown>[],
): CatalogEventType {
  return {
    name,
    description,
    schema: { $schema: jsonSchemaDialect, title: name, description, type: 'object', properties, required: [...required], examples },
  };
}
