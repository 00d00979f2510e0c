import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode, TomoException } from '@tomo/shared';

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/**
 * The host key fingerprint as OpenSSH prints it (`ssh-keygen -lf`, the "ECDSA key
 * fingerprint is …" prompt): `SHA256:` + unpadded base64 of the SHA-256 of the raw key blob.
 */
export function hostKeyFingerprint(rawKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(rawKey).digest('base64').replace(/=+$/, '')}`;
}

/** Fingerprint of a public key line (`ssh-ed25519 AAAA… comment`, as in known_hosts or `.pub`). */
export function publicKeyLineFingerprint(line: string): string {
  const fields = line.trim().split(/\s+/);
  // known_hosts lines start with the host pattern; .pub lines with the key type.
  const blob = fields.find((f, i) => i > 0 && /^AAAA[A-Za-z0-9+/]+=*$/.test(f)) ?? fields[1];
  if (!blob) {
    throw new TomoException(ErrorCode.BadUserInput, 'Not an OpenSSH public key line');
  }
  return hostKeyFingerprint(Buffer.from(blob, 'base64'));
}

/**
 * Accepts a pinned fingerprint the way users paste it (with or without the base64 padding,
 * surrounding blanks) and returns the canonical form, or throws BAD_USER_INPUT.
 */
export function normalizeFingerprint(value: string): string {
  const trimmed = value.trim().replace(/=+$/, '');
  if (!FINGERPRINT.test(trimmed)) {
    throw new TomoException(
      ErrorCode.BadUserInput,
      'A host key fingerprint looks like "SHA256:" followed by 43 base64 characters (as `ssh-keygen -lf` prints it)',
    );
  }
  return trimmed;
}

/** Constant-time comparison; fingerprints are public, but there is no reason to leak timing. */
export function fingerprintsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
