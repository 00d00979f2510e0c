// The declaration must come along into every program that compiles this file (the apps' tsconfig
// includes only their own sources), hence a reference rather than a tsconfig entry.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./ssh2-key-parser.d.ts" />
import { ErrorCode, TomoException } from '@tomo/shared';
import type { ParsedKey } from 'ssh2';
// The parser alone: ssh2's entry point also loads its client and server, and the API, which
// validates keys with this, loads no SSH connection code (see tools/scripts/check-api-bundle.mjs).
import { parseKey } from 'ssh2/lib/protocol/keyParser.js';

/** What a valid private key looks like, for the UI and the API (never the key itself). */
export interface PrivateKeyInfo {
  /** ssh key type, e.g. `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`. */
  type: string;
  comment: string;
  /** Whether the key needed a passphrase. */
  encrypted: boolean;
}

function invalid(message: string): TomoException {
  return new TomoException(ErrorCode.BadUserInput, message);
}

const ENCRYPTED_HINT = /(no passphrase given|encrypted)/i;
const BAD_PASSPHRASE_HINT = /(bad passphrase|integrity check failed|decrypt)/i;

/**
 * Parses an OpenSSH (`BEGIN OPENSSH PRIVATE KEY`), PEM (`BEGIN RSA/EC/DSA PRIVATE KEY`, also
 * encrypted) or PuTTY key with ssh2's parser and returns the parsed key. Throws
 * BAD_USER_INPUT with a message a user can act on: malformed key, passphrase required,
 * wrong passphrase, a public key given instead of a private one, PKCS#8.
 * The messages never contain key material.
 */
export function parsePrivateKey(key: string | Buffer, passphrase?: string | Buffer): ParsedKey {
  const text = Buffer.isBuffer(key) ? key.toString('utf8') : key;
  if (typeof text !== 'string' || text.trim() === '') {
    throw invalid('The private key is empty');
  }
  const pass = passphrase === undefined || passphrase === '' || passphrase.length === 0 ? undefined : passphrase;
  const parsed = parseKey(key, pass);
  const error = parsed instanceof Error ? parsed : undefined;
  if (error) {
    const msg = error.message;
    if (ENCRYPTED_HINT.test(msg) && pass === undefined) {
      throw invalid('The private key is encrypted: a passphrase is required');
    }
    if (pass !== undefined && (BAD_PASSPHRASE_HINT.test(msg) || isEncryptedText(text))) {
      throw invalid('The passphrase does not decrypt the private key (wrong passphrase?)');
    }
    if (/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(text)) {
      throw invalid(
        'PKCS#8 keys ("BEGIN PRIVATE KEY") are not supported: convert it with `ssh-keygen -p -f <file>` (OpenSSH format) or paste an OpenSSH/PEM key',
      );
    }
    throw invalid(
      'The private key is malformed: paste the whole OpenSSH ("BEGIN OPENSSH PRIVATE KEY") or PEM ("BEGIN RSA PRIVATE KEY") key, including its first and last line',
    );
  }
  const first = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : (parsed as ParsedKey);
  if (!first) throw invalid('The private key is malformed: it holds no key');
  if (!first.isPrivateKey()) {
    throw invalid('This is a public key: paste the private key (the file without .pub)');
  }
  return first;
}

/** `parsePrivateKey` for validation at the edges (addServer): returns what a user may see. */
export function describePrivateKey(key: string | Buffer, passphrase?: string | Buffer): PrivateKeyInfo {
  const parsed = parsePrivateKey(key, passphrase);
  const text = Buffer.isBuffer(key) ? key.toString('utf8') : key;
  return {
    type: parsed.type,
    comment: parsed.comment,
    encrypted: isEncryptedText(text),
  };
}

function isEncryptedText(text: string): boolean {
  if (/Proc-Type:\s*4,ENCRYPTED/.test(text)) return true;
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!m) return false;
  // openssh-key-v1\0 + string ciphername: "none" for unencrypted keys.
  const blob = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (blob.length < magic.length + 4) return false;
  if (blob.subarray(0, magic.length).toString('latin1') !== magic) return false;
  const len = blob.readUInt32BE(magic.length);
  return blob.subarray(magic.length + 4, magic.length + 4 + len).toString('latin1') !== 'none';
}
