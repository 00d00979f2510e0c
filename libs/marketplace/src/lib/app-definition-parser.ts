import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { isMap, parseDocument } from 'yaml';
import appSchema from '../schema/app.schema.json';
import {
  type AppArchitecture,
  type AppCapability,
  type AppCategory,
  type AppDefinition,
  type RestartPolicy,
  isSecretEnvName,
  networkFromNames,
  parseImageReference,
  sizeToBytes,
  splitCommandLine,
} from './app-definition';

/** One problem with one file of a marketplace repository, for people to read. */
export interface MarketplaceFileError {
  /** Path relative to the repository root, e.g. `apps/utility/heimdall/app.yaml`. */
  file: string;
  /** `<file>: <JSON pointer> <what is wrong>`, e.g. `apps/x/app.yaml: /docker/ports/0/container must be integer`. */
  message: string;
}

export type AppParseResult = { ok: true; app: AppDefinition } | { ok: false; errors: MarketplaceFileError[] };

/** app.yaml as the schema describes it (only reached after validation). */
interface AppDocument {
  id: string;
  name: string;
  description: string;
  version: string;
  category: AppCategory;
  author: string;
  tags: string[];
  icon: string;
  repository: string;
  documentation: string;
  docker: {
    image: string;
    command?: string;
    ports?: { container: number; host: number; protocol: 'tcp' | 'udp'; description: string }[];
    volumes?: { container: string; host: string; mode: 'rw' | 'ro'; description: string }[];
    environment?: { name: string; value?: string; required: boolean; description: string }[];
    networks?: string[];
    capabilities?: AppCapability[];
    privileged?: false;
    restart?: RestartPolicy;
  };
  requirements: { memory: string; cpu: string; storage: string; arch?: AppArchitecture[] };
  featured?: boolean;
  deprecated?: boolean;
  maintainers: string[];
  screenshots?: { url: string; alt: string }[];
  healthcheck?: {
    endpoint?: string;
    port?: number;
    protocol?: 'http' | 'https' | 'tcp';
    interval?: number;
    timeout?: number;
    retries?: number;
  };
}

/** app.yaml files larger than this are refused before parsing (the largest real ones are ~3 KiB). */
export const MAX_APP_FILE_BYTES = 256 * 1024;

/**
 * Nesting an app.yaml may have, as {@link yamlNestingBound} counts it (indentation counts one
 * level per space, so a real file's deepest line, ~12 spaces, is far below).
 */
export const MAX_YAML_NESTING = 64;

/**
 * An upper bound of the nesting depth of a YAML text, found without parsing it, so that no
 * parser ever sees hostile depth (however a given `yaml` release copes with it): per line, its
 * indentation plus the block indicators (`- `, `? `, `: `) it starts with, plus the flow
 * brackets (`[`, `{`) open at that point outside quotes and comments. Over-counting is fine:
 * it only has to stay small for real files.
 */
export function yamlNestingBound(text: string): number {
  let flow = 0;
  let deepest = 0;
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    let rest = line.slice(indent);
    let indicators = 0;
    for (let match = /^[-?:](\s+|$)/.exec(rest); match; match = /^[-?:](\s+|$)/.exec(rest)) {
      indicators += 1;
      rest = rest.slice(match[0].length);
    }
    let quote: string | null = null;
    let lineFlow = flow;
    for (let i = 0; i < rest.length; i += 1) {
      const char = rest[i];
      if (quote) {
        if (char === quote) quote = null;
      } else if (char === '"' || char === "'") {
        quote = char;
      } else if (char === '#' && (i === 0 || /\s/.test(rest[i - 1]))) {
        break;
      } else if (char === '[' || char === '{') {
        flow += 1;
        lineFlow = Math.max(lineFlow, flow);
      } else if (char === ']' || char === '}') {
        flow = Math.max(0, flow - 1);
      }
    }
    deepest = Math.max(deepest, indent + indicators + lineFlow);
  }
  return deepest;
}

/** Schema defaults (app.schema.json) for what the file may leave out. */
const DEFAULTS = { restart: 'unless-stopped', interval: 30, timeout: 10, retries: 3 } as const;

// The schema is the Tomo marketplace's own file, copied unchanged (a spec checks that it is
// identical); strict mode stays on for keywords, but the schema mixes type-specific keywords
// under `not` without a `type`, which strictTypes would only warn about.
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
addFormats(ajv);
const validateAppDocument = ajv.compile<AppDocument>(appSchema);

/**
 * Parses, validates and maps one app.yaml. Never throws for bad input: YAML syntax errors,
 * schema errors and unsplittable commands come back as errors naming the file.
 */
export function parseAppDefinition(text: string, file: string): AppParseResult {
  const fail = (...messages: string[]): AppParseResult => ({
    ok: false,
    errors: messages.map((message) => ({ file, message: `${file}: ${message}` })),
  });
  if (Buffer.byteLength(text, 'utf8') > MAX_APP_FILE_BYTES) {
    return fail(`is larger than ${MAX_APP_FILE_BYTES / 1024} KiB`);
  }
  const depth = yamlNestingBound(text);
  if (depth > MAX_YAML_NESTING) {
    return fail(`nests more than ${MAX_YAML_NESTING} levels deep (an app definition needs a handful)`);
  }
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { uniqueKeys: true });
  } catch (error) {
    // A parser bug or exhausted stack on hostile input is this file's error, not the sync's.
    return fail(`YAML ${firstLine(error instanceof Error ? error.message : String(error))}`);
  }
  if (doc.errors.length > 0) {
    // The first line of yaml's message names the problem and its line and column.
    return fail(...doc.errors.map((error) => `YAML ${firstLine(error.message).replace(/:$/, '')}`));
  }
  if (!isMap(doc.contents)) return fail('/ must be object (a YAML mapping of app fields)');
  let value: unknown;
  try {
    // Aliases are legal YAML, but a handful of them can expand to gigabytes.
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    return fail(`YAML ${firstLine(error instanceof Error ? error.message : String(error))}`);
  }
  if (!validateAppDocument(value)) {
    return fail(...describeSchemaErrors(validateAppDocument.errors ?? []));
  }
  const command = value.docker.command === undefined ? null : splitCommandLine(value.docker.command);
  if (command === null && value.docker.command !== undefined) {
    return fail('/docker/command has an unterminated quote');
  }
  return { ok: true, app: toAppDefinition(value, command) };
}

function toAppDefinition(doc: AppDocument, command: string[] | null): AppDefinition {
  const { docker } = doc;
  const ports = (docker.ports ?? []).map((port) => ({ ...port }));
  const health = doc.healthcheck;
  const healthProtocol = health?.protocol ?? 'http';
  return {
    id: doc.id,
    name: doc.name,
    description: doc.description,
    version: doc.version,
    category: doc.category,
    author: doc.author,
    tags: [...doc.tags],
    iconUrl: doc.icon,
    sourceUrl: doc.repository,
    documentationUrl: doc.documentation,
    maintainers: [...doc.maintainers],
    screenshots: (doc.screenshots ?? []).map(({ url, alt }) => ({ url, alt })),
    featured: doc.featured ?? false,
    deprecated: doc.deprecated ?? false,
    image: parseImageReference(docker.image),
    command,
    commandLine: docker.command ?? null,
    ports,
    volumes: (docker.volumes ?? []).map((volume) => ({ ...volume, readOnly: volume.mode === 'ro' })),
    env: (docker.environment ?? []).map((variable) => ({
      name: variable.name,
      description: variable.description,
      required: variable.required,
      defaultValue: variable.value === undefined || variable.value === '' ? null : variable.value,
      secret: isSecretEnvName(variable.name),
    })),
    network: networkFromNames(docker.networks ?? []),
    restartPolicy: docker.restart ?? DEFAULTS.restart,
    capabilities: [...(docker.capabilities ?? [])],
    requirements: {
      memory: doc.requirements.memory,
      memoryBytes: sizeToBytes(doc.requirements.memory),
      cpus: Number(doc.requirements.cpu),
      storage: doc.requirements.storage,
      storageBytes: sizeToBytes(doc.requirements.storage),
      architectures: [...(doc.requirements.arch ?? [])],
    },
    healthcheck: health
      ? {
          protocol: healthProtocol,
          path: healthProtocol === 'tcp' ? null : (health.endpoint ?? '/'),
          port: health.port ?? ports[0]?.host ?? null,
          intervalSeconds: health.interval ?? DEFAULTS.interval,
          timeoutSeconds: health.timeout ?? DEFAULTS.timeout,
          retries: health.retries ?? DEFAULTS.retries,
        }
      : null,
  };
}

/**
 * Ajv errors as `<JSON pointer> <message>` lines. With allErrors, a failed `not`/`anyOf`
 * brings the failures of its branches along; only the errors that say something to a person
 * are kept, each once.
 */
export function describeSchemaErrors(errors: readonly ErrorObject[]): string[] {
  const lines = new Set<string>();
  for (const error of errors) lines.add(`${error.instancePath || '/'} ${describeSchemaError(error)}`);
  return [...lines];
}

function describeSchemaError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const message = error.message ?? 'is invalid';
  switch (error.keyword) {
    case 'additionalProperties':
      return `must NOT have additional property '${String(params['additionalProperty'])}'`;
    case 'enum':
      return `must be one of: ${(params['allowedValues'] as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params['allowedValue'])}`;
    case 'not':
      // The only `not` in the schema refuses floating image tags.
      return error.instancePath === '/docker/image'
        ? 'must pin a version (the tags latest, dev, nightly, edge, unstable, master and main are refused)'
        : message;
    default:
      return message;
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
