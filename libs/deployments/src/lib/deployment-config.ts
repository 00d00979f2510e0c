import type { AppDefinition } from '@tomo/marketplace';
import { ErrorCode, PullPolicy, TomoException } from '@tomo/shared';

// The enum lives in @tomo/shared so that the settings (a lower library) can name the default policy.
export { PullPolicy };

/** What a user may give at install or update; everything is optional (the app's defaults apply). */
export interface DeploymentConfigInput {
  env?: readonly { name: string; value: string }[] | null;
  ports?: readonly { container: number; host: number; protocol?: string | null }[] | null;
  volumes?: readonly { container: string; host: string }[] | null;
  /** `host`, `none`, `bridge` or the name of a user-defined network. */
  network?: string | null;
  pullPolicy?: PullPolicy | null;
}

export interface DeploymentEnvVar {
  name: string;
  /** null in what is stored on the deployment row and shown by the API when `secret` is set. */
  value: string | null;
  secret: boolean;
}

export interface DeploymentPort {
  container: number;
  host: number;
  protocol: 'tcp' | 'udp';
}

export interface DeploymentVolume {
  /** Absolute path in the container. */
  container: string;
  /**
   * `/abs/path` (a bind of that path), `./rel/path` (a bind under the deployment's directory on
   * the server) or `name` (a Docker named volume, created per deployment as `tomo-<id>-<name>`).
   */
  host: string;
  readOnly: boolean;
}

/** A deployment's configuration after validation: the app's defaults merged with the user's values. */
export interface DeploymentConfig {
  env: DeploymentEnvVar[];
  ports: DeploymentPort[];
  volumes: DeploymentVolume[];
  network: string;
  pullPolicy: PullPolicy;
}

export type NetworkMode = 'host' | 'none' | 'bridge';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const MAX_ENV_VALUE = 32 * 1024;
const MAX_PATH = 1024;

export function networkModeOf(network: string): NetworkMode {
  return network === 'host' || network === 'none' ? network : 'bridge';
}

/** The networks to join: none in host/none mode and for Docker's default bridge. */
export function networksToJoin(network: string): string[] {
  return networkModeOf(network) === 'bridge' && network !== 'bridge' ? [network] : [];
}

export type VolumeKind = 'absolute' | 'relative' | 'named';

export function volumeKind(host: string): VolumeKind {
  if (host.startsWith('/')) return 'absolute';
  if (host.startsWith('./')) return 'relative';
  return 'named';
}

/**
 * Checks a user's configuration against the app and merges it with the app's defaults.
 * Throws one BAD_USER_INPUT naming every field that is wrong (`config.env.DB_PASSWORD is
 * required by Uptime Kuma`), so a form can show them all at once.
 */
export function resolveDeploymentConfig(
  app: AppDefinition,
  input: DeploymentConfigInput | null | undefined,
  defaultPullPolicy: PullPolicy = PullPolicy.IfMissing,
): DeploymentConfig {
  const errors: string[] = [];
  const given = input ?? {};

  const network = given.network?.trim() || appNetwork(app);
  if (!NETWORK_NAME.test(network)) {
    errors.push(`config.network "${network}" is not a network name (host, none, bridge, or letters, digits, _ . -)`);
  }
  const mode = networkModeOf(network);

  // Environment: the app's variables in their order, then any extra ones the user adds.
  const userEnv = new Map<string, string>();
  for (const item of given.env ?? []) {
    if (!ENV_NAME.test(item.name)) {
      errors.push(
        `config.env "${item.name}" is not a valid variable name (letters, digits and _, not starting with a digit)`,
      );
      continue;
    }
    if (userEnv.has(item.name)) errors.push(`config.env.${item.name} is given twice`);
    if (typeof item.value !== 'string') errors.push(`config.env.${item.name} must be a string`);
    else if (item.value.includes('\0')) errors.push(`config.env.${item.name} must not contain a NUL character`);
    else if (item.value.length > MAX_ENV_VALUE)
      errors.push(`config.env.${item.name} is longer than ${MAX_ENV_VALUE} characters`);
    userEnv.set(item.name, item.value);
  }
  const env: DeploymentEnvVar[] = [];
  for (const variable of app.env) {
    const value = userEnv.get(variable.name) ?? variable.defaultValue;
    if ((value === null || value === '') && variable.required) {
      errors.push(
        `config.env.${variable.name} is required by ${app.name}${variable.description ? ` (${variable.description})` : ''}`,
      );
    }
    if (value !== null) env.push({ name: variable.name, value, secret: variable.secret });
  }
  const declared = new Set(app.env.map((variable) => variable.name));
  for (const [name, value] of userEnv) {
    if (!declared.has(name)) env.push({ name, value, secret: SECRET_NAME.test(name) });
  }

  // Ports: the app's ports, with the host side the user chose.
  const userPorts = new Map<string, { host: number }>();
  for (const item of given.ports ?? []) {
    const protocol = (item.protocol ?? 'tcp').toLowerCase();
    if (protocol !== 'tcp' && protocol !== 'udp') {
      errors.push(`config.ports ${item.container}: protocol must be tcp or udp, not "${item.protocol}"`);
      continue;
    }
    if (!app.ports.some((port) => port.container === item.container && port.protocol === protocol)) {
      const known = app.ports.map((port) => `${port.container}/${port.protocol}`).join(', ') || 'none';
      errors.push(`config.ports ${item.container}/${protocol} is not a port of ${app.name} (its ports: ${known})`);
      continue;
    }
    if (!isPort(item.host))
      errors.push(
        `config.ports ${item.container}/${protocol}: host port ${item.host} must be an integer from 1 to 65535`,
      );
    userPorts.set(`${item.container}/${protocol}`, { host: item.host });
  }
  const ports: DeploymentPort[] = app.ports.map((port) => ({
    container: port.container,
    host: userPorts.get(`${port.container}/${port.protocol}`)?.host ?? port.host,
    protocol: port.protocol,
  }));
  if (mode === 'host') {
    for (const port of ports) {
      if (port.host !== port.container) {
        errors.push(
          `config.ports ${port.container}/${port.protocol}: with host networking the app listens on ${port.container} itself; it cannot be moved to ${port.host}`,
        );
      }
    }
  }
  const seenHost = new Set<string>();
  for (const port of ports) {
    const key = `${port.host}/${port.protocol}`;
    if (seenHost.has(key)) errors.push(`config.ports: host port ${key} is used twice`);
    seenHost.add(key);
  }

  // Volumes: the app's volumes with the user's host side, then any extra ones.
  const userVolumes = new Map<string, string>();
  for (const item of given.volumes ?? []) {
    const problem = containerPathProblem(item.container);
    if (problem) {
      errors.push(`config.volumes "${item.container}": ${problem}`);
      continue;
    }
    if (userVolumes.has(item.container)) errors.push(`config.volumes ${item.container} is given twice`);
    userVolumes.set(item.container, item.host);
  }
  const envValues = new Map(env.map((variable) => [variable.name, variable.value ?? '']));
  const volumes: DeploymentVolume[] = [];
  for (const volume of app.volumes) {
    const user = userVolumes.get(volume.container);
    let host = user ?? volume.host;
    if (user === undefined) {
      const expanded = expandVariables(volume.host, envValues);
      if (expanded.missing.length > 0) {
        errors.push(
          `config.volumes ${volume.container}: ${volume.host} names ${expanded.missing.join(', ')}, which has no value`,
        );
      }
      host = expanded.value;
    }
    volumes.push({ container: volume.container, host: normalizeHost(host), readOnly: volume.readOnly });
  }
  for (const [container, host] of userVolumes) {
    if (!app.volumes.some((volume) => volume.container === container)) {
      volumes.push({ container, host: normalizeHost(host), readOnly: false });
    }
  }
  for (const volume of volumes) {
    const problem = hostPathProblem(volume.host);
    if (problem) errors.push(`config.volumes ${volume.container}: host "${volume.host}" ${problem}`);
  }

  const pullPolicy = given.pullPolicy ?? defaultPullPolicy;
  if (!Object.values(PullPolicy).includes(pullPolicy)) {
    errors.push(`config.pullPolicy must be one of ${Object.values(PullPolicy).join(', ')}`);
  }

  if (errors.length > 0) {
    throw new TomoException(ErrorCode.BadUserInput, `Invalid configuration for ${app.name}: ${errors.join('; ')}`);
  }
  return { env, ports, volumes, network, pullPolicy };
}

/**
 * What a configuration does to the server's host beyond what the app definition declares (and
 * what the deployment already had, for an update): a bind mount of an absolute host path the
 * app does not name for that container path (`/`, `/var/run/docker.sock` = root on the host),
 * or host networking for an app that does not ask for it. Only an ADMIN may choose these; an
 * OPERATOR keeps the app's own volumes and network, relative paths under the deployment's
 * directory and named volumes. Returns one line per such choice (none: allowed for OPERATOR).
 */
export function hostAccessBeyondApp(
  app: AppDefinition,
  config: DeploymentConfig,
  before: DeploymentConfig | null,
): string[] {
  const reasons: string[] = [];
  const sameBind = (volumes: readonly { container: string; host: string }[], volume: DeploymentVolume) =>
    volumes.some((other) => other.container === volume.container && normalizeHost(other.host) === volume.host);
  for (const volume of config.volumes) {
    if (
      volumeKind(volume.host) !== 'absolute' ||
      sameBind(app.volumes, volume) ||
      (before && sameBind(before.volumes, volume))
    )
      continue;
    reasons.push(`config.volumes ${volume.container}: binding the host path ${volume.host}`);
  }
  if (
    networkModeOf(config.network) === 'host' &&
    app.network.mode !== 'host' &&
    (!before || networkModeOf(before.network) !== 'host')
  ) {
    reasons.push(`config.network: host networking, which ${app.name} does not declare`);
  }
  return reasons;
}

/** The configuration with secret values blanked: what is stored in clear and what the API shows. */
export function maskSecrets(config: DeploymentConfig): DeploymentConfig {
  return { ...config, env: config.env.map((variable) => (variable.secret ? { ...variable, value: null } : variable)) };
}

/** The secret values alone, by name (stored encrypted). */
export function secretValues(config: DeploymentConfig): Record<string, string> {
  return Object.fromEntries(
    config.env.filter((v) => v.secret && v.value !== null).map((v) => [v.name, v.value as string]),
  );
}

/** Puts decrypted secret values back into a masked configuration. */
export function withSecrets(config: DeploymentConfig, secrets: Record<string, string>): DeploymentConfig {
  return { ...config, env: config.env.map((v) => (v.secret ? { ...v, value: secrets[v.name] ?? null } : v)) };
}

/**
 * The configuration an update starts from: the current one as input, so that the user only
 * gives what changes (env values replace by name; secret values kept unless given).
 */
export function configAsInput(config: DeploymentConfig): DeploymentConfigInput {
  return {
    env: config.env.filter((v) => v.value !== null).map((v) => ({ name: v.name, value: v.value as string })),
    ports: config.ports.map((p) => ({ container: p.container, host: p.host, protocol: p.protocol })),
    volumes: config.volumes.map((v) => ({ container: v.container, host: v.host })),
    network: config.network,
    pullPolicy: config.pullPolicy,
  };
}

/** Overlays `change` on `base` field by field (env, ports and volumes merge by key). */
export function mergeConfigInput(
  base: DeploymentConfigInput,
  change: DeploymentConfigInput | null | undefined,
): DeploymentConfigInput {
  if (!change) return base;
  const byKey = <T>(
    a: readonly T[] | null | undefined,
    b: readonly T[] | null | undefined,
    key: (item: T) => string,
  ): T[] => {
    const merged = new Map((a ?? []).map((item) => [key(item), item]));
    for (const item of b ?? []) merged.set(key(item), item);
    return [...merged.values()];
  };
  return {
    env: byKey(base.env, change.env, (v) => v.name),
    ports: byKey(base.ports, change.ports, (p) => `${p.container}/${(p.protocol ?? 'tcp').toLowerCase()}`),
    volumes: byKey(base.volumes, change.volumes, (v) => v.container),
    network: change.network ?? base.network,
    pullPolicy: change.pullPolicy ?? base.pullPolicy,
  };
}

const SECRET_NAME = /PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL/i;

function appNetwork(app: AppDefinition): string {
  if (app.network.mode !== 'bridge') return app.network.mode;
  return app.network.networks[0] ?? 'bridge';
}

function isPort(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** `data` and `./data` are both relative to the deployment directory when they contain a slash. */
function normalizeHost(host: string): string {
  if (host.startsWith('/') || host.startsWith('./')) return host;
  if (host.includes('/')) return `./${host}`;
  return host;
}

function containerPathProblem(path: string): string | null {
  if (typeof path !== 'string' || !path.startsWith('/')) return 'the container path must be absolute';
  return commonPathProblem(path);
}

function hostPathProblem(host: string): string | null {
  if (host === '') return 'must not be empty';
  const kind = volumeKind(host);
  if (kind === 'named') {
    return VOLUME_NAME.test(host)
      ? null
      : 'is neither a path (/abs or ./rel) nor a volume name (letters, digits, _ . -)';
  }
  if (kind === 'relative' && host.split('/').some((part) => part === '..'))
    return 'must stay inside the deployment directory (no ..)';
  return commonPathProblem(host);
}

/** `-v source:target[:ro]` splits on colons, so paths may not hold one; everything else is data. */
function commonPathProblem(path: string): string | null {
  if (path.length > MAX_PATH) return `is longer than ${MAX_PATH} characters`;
  if (path.includes(':')) return 'must not contain ":"';
  if (/[\0\n\r]/.test(path)) return 'must not contain NUL or line breaks';
  if (path.split('/').some((part) => part === '..')) return 'must not contain ".."';
  return null;
}

/** `${NAME}` → the variable's value (nothing else is expanded). */
function expandVariables(text: string, values: ReadonlyMap<string, string>): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const found = values.get(name);
    if (found === undefined || found === '') missing.push(name);
    return found ?? '';
  });
  return { value, missing };
}
