/**
 * An app of the Tomo marketplace format (`app.yaml`, schemas/app.schema.json), read into the
 * shape the rest of Tomo works with. Every field maps one field of the schema; where the schema
 * leaves a default to the reader (restart policy, health check timing, the health check port),
 * the default is applied here so that consumers never guess. A few values are derived, not
 * declared (see `AppEnvVar.secret`, `AppNetwork`, `AppDefinition.command`): the schema has no
 * field for them, and deriving keeps every app that is valid in the original schema valid here.
 */

export const APP_CATEGORIES = [
  'automation',
  'media',
  'monitoring',
  'networking',
  'security',
  'storage',
  'utility',
] as const;
export type AppCategory = (typeof APP_CATEGORIES)[number];

export const APP_ARCHITECTURES = ['amd64', 'arm64', 'arm/v7'] as const;
export type AppArchitecture = (typeof APP_ARCHITECTURES)[number];

export const APP_CAPABILITIES = [
  'NET_ADMIN',
  'NET_RAW',
  'SYS_ADMIN',
  'SYS_PTRACE',
  'SYS_TIME',
  'NET_BIND_SERVICE',
] as const;
export type AppCapability = (typeof APP_CAPABILITIES)[number];

export const RESTART_POLICIES = ['no', 'always', 'on-failure', 'unless-stopped'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

/** `docker.image`, split. The schema requires a tag and refuses floating ones (latest, main, …). */
export interface ImageReference {
  /** As written, e.g. `lscr.io/linuxserver/heimdall:v2.6.3-ls283`: what `docker pull` takes. */
  reference: string;
  /** The registry host when the reference names one (`lscr.io`), else null (Docker Hub). */
  registry: string | null;
  /** Everything before the tag, registry included: `lscr.io/linuxserver/heimdall`. */
  repository: string;
  tag: string;
}

/** `docker.ports[]`: a published port. `host` is the default the user may change at install. */
export interface AppPort {
  container: number;
  host: number;
  protocol: 'tcp' | 'udp';
  description: string;
}

/** `docker.volumes[]`. `host` is relative (`./data`, under the deployment's directory), absolute, or `${VAR}…`. */
export interface AppVolume {
  container: string;
  host: string;
  mode: 'rw' | 'ro';
  readOnly: boolean;
  description: string;
}

/** `docker.environment[]`. */
export interface AppEnvVar {
  name: string;
  description: string;
  /** The user must give a value at install time (the schema's `required`). */
  required: boolean;
  /** The schema's `value`; null when absent or empty (the format writes secrets as `""`). */
  defaultValue: string | null;
  /**
   * Derived from the name (PASSWORD, SECRET, TOKEN, API_KEY, …): the schema has no flag for
   * it. Secret values are masked in the console and logs, and never echoed back by the API.
   */
  secret: boolean;
}

/**
 * From `docker.networks`. The names `host` and `none` are Docker's network modes, not
 * networks to create; any other name is a user-defined bridge network the container joins.
 */
export interface AppNetwork {
  mode: 'bridge' | 'host' | 'none';
  /** User-defined networks to create (if missing) and join; empty in host and none mode. */
  networks: string[];
}

/** `requirements`, with the sizes also in bytes (binary units: 1MB = 1 MiB, as Docker counts). */
export interface AppRequirements {
  memory: string;
  memoryBytes: number;
  cpus: number;
  storage: string;
  storageBytes: number;
  /** Supported CPU architectures; empty means the definition does not restrict them. */
  architectures: AppArchitecture[];
}

/** `healthcheck`, with the schema's defaults applied. */
export interface AppHealthcheck {
  protocol: 'http' | 'https' | 'tcp';
  /** Path for HTTP(S) checks (`endpoint`; `/` when not given); null for TCP. */
  path: string | null;
  /**
   * Host-side port to check: `healthcheck.port`, else the host port of the first published
   * port; null when neither exists (then only "the container runs" can be checked).
   */
  port: number | null;
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
}

export interface AppScreenshot {
  url: string;
  alt: string;
}

export interface AppDefinition {
  /** Unique within its marketplace repository (lowercase, 2–50 chars). */
  id: string;
  name: string;
  description: string;
  /** Version of the definition (X.Y.Z), not of the image. */
  version: string;
  category: AppCategory;
  author: string;
  tags: string[];
  iconUrl: string;
  /** The app's source repository (`repository` in app.yaml). */
  sourceUrl: string;
  documentationUrl: string;
  maintainers: string[];
  screenshots: AppScreenshot[];
  featured: boolean;
  deprecated: boolean;

  image: ImageReference;
  /**
   * `docker.command` split into arguments the way a POSIX shell would split it (quotes and
   * backslashes honoured, nothing expanded); null keeps the image's CMD. Deployments pass the
   * arguments as they are — the command never runs through a shell unless it says `sh -c`.
   */
  command: string[] | null;
  /** `docker.command` as written. */
  commandLine: string | null;
  ports: AppPort[];
  volumes: AppVolume[];
  env: AppEnvVar[];
  network: AppNetwork;
  restartPolicy: RestartPolicy;
  capabilities: AppCapability[];
  requirements: AppRequirements;
  healthcheck: AppHealthcheck | null;
}

/** Docker's own names for network modes; anything else in `docker.networks` is a network to join. */
const NETWORK_MODES = new Set(['host', 'none', 'bridge']);

/** Whether an environment variable's value must be treated as a secret (see AppEnvVar.secret). */
export { isSecretEnvName } from '@tomo/shared';

/** Splits `docker.image` (already schema-valid, so it has a tag and no digest). */
export function parseImageReference(reference: string): ImageReference {
  const lastSlash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon <= lastSlash) throw new Error(`image ${reference} has no tag`);
  const repository = reference.slice(0, colon);
  const firstPart = repository.split('/')[0] ?? '';
  // Docker's rule: the first component is a registry when it has a dot or a port, or is localhost.
  const registry =
    repository.includes('/') && (firstPart.includes('.') || firstPart.includes(':') || firstPart === 'localhost')
      ? firstPart
      : null;
  return { reference, registry, repository, tag: reference.slice(colon + 1) };
}

/** `networks` of app.yaml → network mode and networks to join. */
export function networkFromNames(names: readonly string[]): AppNetwork {
  if (names.includes('host')) return { mode: 'host', networks: [] };
  if (names.includes('none')) return { mode: 'none', networks: [] };
  return { mode: 'bridge', networks: names.filter((name) => !NETWORK_MODES.has(name)) };
}

const SIZE_UNITS: Record<string, number> = { MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** `256MB`, `1GB`, `2TB` → bytes (binary units). */
export function sizeToBytes(size: string): number {
  const match = /^(\d+)(MB|GB|TB)$/.exec(size);
  const unit = match?.[2] === undefined ? undefined : SIZE_UNITS[match[2]];
  if (!match || unit === undefined) throw new Error(`size ${size} is not a number followed by MB, GB or TB`);
  return Number(match[1]) * unit;
}

/**
 * Splits a command line into arguments like a POSIX shell (single quotes literal, double
 * quotes with backslash escapes of `"`, `\`, `$` and backtick, backslash outside quotes), with
 * no expansion of any kind. Returns null for an unterminated quote.
 */
export function splitCommandLine(line: string): string[] | null {
  const args: string[] = [];
  let current = '';
  let inArg = false;
  let i = 0;
  while (i < line.length) {
    const ch = line.charAt(i);
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return null;
      current += line.slice(i + 1, end);
      inArg = true;
      i = end + 1;
    } else if (ch === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return null;
        const c = line.charAt(i);
        if (c === '"') break;
        if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line.charAt(i + 1))) {
          current += line.charAt(i + 1);
          i += 2;
        } else {
          current += c;
          i++;
        }
      }
      inArg = true;
      i++;
    } else if (ch === '\\') {
      if (i + 1 < line.length) current += line.charAt(i + 1);
      inArg = true;
      i += 2;
    } else if (/\s/.test(ch)) {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
      i++;
    } else {
      current += ch;
      inArg = true;
      i++;
    }
  }
  if (inArg) args.push(current);
  return args;
}
