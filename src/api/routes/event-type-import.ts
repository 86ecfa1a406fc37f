import { isDeepStrictEqual } from 'node:util';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import type { EventType } from '../../domain/types.js';
import { getProfile, profileNames, type CatalogEventType } from '../../profiles/index.js';
import { adminOnly } from '../lookup.js';

/**
 * `POST /event-type/import/profile/{profile_name}` (Herald extension, DESIGN §3): installs one
 * profile's catalog. Idempotent: it creates the event types that are missing, rewrites the
 * `schemas["1"]` of those an import created before when the catalog's differs (a newer Herald),
 * and deletes nothing. Answers 200 with the names it created, updated, found unchanged, and
 * skipped.
 *
 * "Created by an import" is marked inside the stored schema as `"x-herald-catalog": "<profile>"`
 * (JSON Schema ignores unknown keywords). An event type of the same name that the organisation
 * wrote itself, or whose schema it replaced without the mark, is its own: the import skips it.
 * An imported event type that was archived since stays archived (its schema is still updated).
 */
export const catalogMarkKey = 'x-herald-catalog';

const ProfilePath = Type.Object({ profile_name: Type.String({ minLength: 1, maxLength: 64 }) });

export interface CatalogImportOut {
  profile: string;
  created: string[];
  updated: string[];
  unchanged: string[];
  /** Names that exist but were not created by an import of this profile: left alone. */
  skipped: string[];
}

/** The `schemas["1"]` an import stores for `entry`: the catalog's schema plus the mark. */
export function importedSchema(profile: string, entry: CatalogEventType): Record<string, unknown> {
  return { ...entry.schema, [catalogMarkKey]: profile };
}

export const eventTypeImportRoutes: FastifyPluginAsync = async (plain) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { store, clock } = app.herald;

  app.post('/event-type/import/profile/:profile_name', { onRequest: adminOnly, schema: { params: ProfilePath } }, async (request): Promise<CatalogImportOut> => {
    const name = request.params.profile_name;
    const profile = getProfile(name);
    if (!profile) throw new NotFoundError(`profile ${name} not found; known: ${profileNames().join(', ')}`);
    const out: CatalogImportOut = { profile: name, created: [], updated: [], unchanged: [], skipped: [] };
    for (const entry of profile.catalog) {
      const schema = importedSchema(name, entry);
      const now = clock.now();
      const existing = await store.eventTypeGet({ name: entry.name });
      if (!existing) {
        const eventType: EventType = {
          name: entry.name,
          description: entry.description,
          archived: false,
          deprecated: false,
          schemas: { '1': schema },
          featureFlag: null,
          groupName: name,
          createdAt: now,
          updatedAt: now,
        };
        try {
          await store.eventTypeInsert(eventType);
          out.created.push(entry.name);
        } catch (err) {
          // A concurrent import (or create) got there first; what it wrote is judged next time.
          if (!(err instanceof ConflictError)) throw err;
          out.skipped.push(entry.name);
        }
        continue;
      }
      const stored = existing.schemas?.['1'] as Record<string, unknown> | undefined;
      if (stored?.[catalogMarkKey] !== name) out.skipped.push(entry.name);
      else if (isDeepStrictEqual(stored, schema)) out.unchanged.push(entry.name);
      else {
        await store.eventTypeUpdate({ ...existing, schemas: { ...existing.schemas, '1': schema }, updatedAt: now });
        out.updated.push(entry.name);
      }
    }
    return out;
  });
};
