import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Endpoint signing secrets (`whsec_` + base64 of 24–64 random bytes) and their encryption at rest
 * with AES-256-GCM under the master key. The store only ever sees the sealed form.
 */
export const secretPrefix = 'whsec_';
const secretBytesDefault = 24;

export interface SigningSecret {
  /** `whsec_…` as the API shows it. */
  key: string;
  /** null for the current secret; when a rotated-out secret stops being signed with. */
  expiresAt: string | null;
}

export function generateSecret(bytes = secretBytesDefault): string {
  return secretPrefix + randomBytes(bytes).toString('base64');
}

/** The HMAC key bytes: base64 after `whsec_` (Standard Webhooks). */
export function secretKeyBytes(key: string): Buffer {
  return Buffer.from(key.startsWith(secretPrefix) ? key.slice(secretPrefix.length) : key, 'base64');
}

export class SecretBox {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
    this.key = masterKey;
  }

  seal(secrets: SigningSecret[]): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
  }

  /**
   * A 32-byte key for another purpose (e.g. signing session cookies), derived with HKDF-SHA256 so
   * that it is as stable as the master key (every process sharing it derives the same key) and
   * reveals nothing about it.
   */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `herald:${purpose}`, 32));
  }

  open(sealed: string): SigningSecret[] {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unreadable sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    return JSON.parse(text) as SigningSecret[];
  }
}

/** Secrets still in force at `now`, current first. */
export function activeSecrets(secrets: SigningSecret[], now: Date): SigningSecret[] {
  return secrets.filter((s) => s.expiresAt === null || new Date(s.expiresAt) > now);
}
