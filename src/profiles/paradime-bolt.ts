import { paradimeBoltCatalog } from './catalogs/paradime-bolt.js';
import { standardWebhooksProfile } from './standard.js';

/**
 * Paradime Bolt (seeds 000/001): the run object is the body as given, signed with Standard
 * Webhooks (the seed documents no signature; Herald signs as `standard` does, so receivers can
 * verify with any Standard Webhooks library). Server default timeout and retries.
 */
export const paradimeBoltProfile = standardWebhooksProfile({ name: 'paradime-bolt', catalog: paradimeBoltCatalog });
