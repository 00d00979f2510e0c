import { isIP } from 'node:net';
import { ErrorCode, TomoException } from '@tomo/shared';
import { describePrivateKey } from '@tomo/ssh-keys';
import { ServerAuthType } from './server-status';

/** What addServer takes. Secrets arrive here once and leave only as ciphertexts. */
export interface AddServerInput {
  name: string;
  host: string;
  port?: number | null;
  username: string;
  authType: ServerAuthType;
  password?: string | null;
  privateKey?: string | null;
  passphrase?: string | null;
  networkMode?: string | null;
  maxConcurrentJobs?: number | null;
  /** Opt-in to the daily removal of dangling images (default false). */
  pruneImages?: boolean | null;
}

/**
 * What updateServer takes: every field optional; an omitted (or null) secret keeps the stored
 * one. A passphrase only comes with a new private key (the API never decrypts the stored key
 * to check a passphrase against it).
 */
export type UpdateServerInput = {
  [K in keyof AddServerInput]?: AddServerInput[K] | null;
};

export const DEFAULT_SSH_PORT = 22;
export const DEFAULT_NETWORK_MODE = 'host';
export const MAX_CONCURRENT_JOBS_LIMIT = 16;

const badInput = (message: string) => new TomoException(ErrorCode.BadUserInput, message);

const HOST_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
/** POSIX-ish user names; no leading `-` (never an option), no spaces or shell characters. */
const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** A Docker network name, as the engine accepts them. */
const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function validateName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 100) throw badInput('name must be 1-100 characters');
  if (/[\p{Cc}]/u.test(trimmed)) throw badInput('name must not contain control characters');
  return trimmed;
}

/** A host name (RFC 1123 labels) or an IPv4/IPv6 address (IPv6 with or without brackets). */
export function validateHost(host: string): string {
  const trimmed = host.trim();
  const unbracketed = /^\[.*\]$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
  if (isIP(unbracketed) !== 0) return unbracketed;
  const name = trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
  const labels = name.split('.');
  if (
    name.length === 0 ||
    name.length > 253 ||
    !labels.every((label) => HOST_LABEL.test(label)) ||
    /^\d+$/.test(labels[labels.length - 1])
  ) {
    throw badInput(`host must be a host name or an IP address (got "${trimmed.slice(0, 100)}")`);
  }
  return name.toLowerCase();
}

export function validatePort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw badInput(`port must be a whole number from 1 to 65535 (got ${port})`);
  return port;
}

export function validateUsername(username: string): string {
  const trimmed = username.trim();
  if (!USERNAME.test(trimmed)) {
    throw badInput('username must be 1-64 letters, digits, "_", "." or "-", and must not start with "-" or "."');
  }
  return trimmed;
}

/** `host` (default), `bridge`, or the name of a Docker network (`none` and custom networks match the name pattern). */
export function validateNetworkMode(mode: string): string {
  const trimmed = mode.trim();
  if (!NETWORK_NAME.test(trimmed)) {
    throw badInput(
      'networkMode must be "host", "bridge" or a Docker network name (letters, digits, "_", "." or "-", at most 64)',
    );
  }
  return trimmed;
}

export function validateMaxConcurrentJobs(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_CONCURRENT_JOBS_LIMIT) {
    throw badInput(`maxConcurrentJobs must be a whole number from 1 to ${MAX_CONCURRENT_JOBS_LIMIT}`);
  }
  return value;
}

export interface ServerSecrets {
  password: string | null;
  privateKey: string | null;
  passphrase: string | null;
}

const present = (value: string | null | undefined): value is string => typeof value === 'string' && value !== '';

/**
 * Checks the credentials of an auth type: a password for PASSWORD; for KEY a private key that
 * parses (OpenSSH or PEM), with its passphrase when it is encrypted. Messages never hold secrets.
 */
export function validateCredentials(authType: ServerAuthType, secrets: Partial<ServerSecrets>): ServerSecrets {
  switch (authType) {
    case ServerAuthType.Password:
      if (!present(secrets.password)) throw badInput('password is required when authType is PASSWORD');
      if (secrets.password.length > 1024) throw badInput('password must be at most 1024 characters');
      return { password: secrets.password, privateKey: null, passphrase: null };
    case ServerAuthType.Key: {
      if (!present(secrets.privateKey)) throw badInput('privateKey is required when authType is KEY');
      if (secrets.privateKey.length > 32_768) throw badInput('privateKey must be at most 32 KiB');
      const passphrase = present(secrets.passphrase) ? secrets.passphrase : null;
      const info = describePrivateKey(secrets.privateKey, passphrase ?? undefined);
      // A passphrase for an unencrypted key is harmless but would be stored for nothing.
      return {
        password: null,
        privateKey: secrets.privateKey,
        passphrase: info.encrypted ? passphrase : null,
      };
    }
    default:
      throw badInput(`authType must be PASSWORD or KEY`);
  }
}
