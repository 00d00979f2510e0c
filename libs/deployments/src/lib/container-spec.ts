import type { AppDefinition, AppHealthcheck, RestartPolicy } from '@tomo/marketplace';
import { type DeploymentConfig, networkModeOf, networksToJoin, volumeKind } from './deployment-config';

/** Labels every container Tomo creates carries (CONTRACT.md, "On the servers"). */
export const LABEL_MANAGED = 'tomo.managed';
export const LABEL_DEPLOYMENT = 'tomo.deployment';
export const LABEL_APP = 'tomo.app';
/** The job that created the container (for people reading `docker inspect`). */
export const LABEL_JOB = 'tomo.job';

/** Suffix of the container an update creates before it replaces the current one. */
export const NEXT_CONTAINER_SUFFIX = '-next';

/** Everything `docker create` needs, derived from the deployment alone (so every step can rebuild it). */
export interface ContainerSpec {
  name: string;
  image: string;
  labels: Record<string, string>;
  env: { name: string; value: string }[];
  /** Published ports (none with host or none networking: the app binds the host's ports itself). */
  publish: { host: number; container: number; protocol: 'tcp' | 'udp' }[];
  mounts: { source: string; target: string; readOnly: boolean }[];
  networkMode: 'host' | 'none' | 'bridge';
  /** The network given to `--network` (host, none, bridge or a user-defined one). */
  network: string;
  restartPolicy: RestartPolicy;
  capabilities: string[];
  command: string[] | null;
}

export interface DeploymentIdentity {
  id: string;
  appId: string;
  containerName: string;
}

/**
 * `tomo-<app>-<first 8 characters of the deployment id>`: readable in `docker ps`, unique per
 * deployment in practice (the install refuses a name taken by another deployment's container).
 */
export function containerNameFor(appId: string, deploymentId: string): string {
  const app = (appId.split('/').pop() ?? 'app')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  const short = deploymentId
    .replace(/[^a-zA-Z0-9]/g, '')
    .slice(0, 8)
    .toLowerCase();
  return `tomo-${app.slice(0, 40) || 'app'}-${short}`;
}

/** Named volume `name` of a deployment on the engine. */
export function namedVolumeFor(deploymentId: string, name: string): string {
  return `tomo-${deploymentId}-${name}`;
}

/** `<deployments root>/<deployment id>`: where relative volume paths live on the server. */
export function deploymentDirectory(root: string, deploymentId: string): string {
  return `${root.replace(/\/+$/, '')}/${deploymentId}`;
}

/** The host side of a volume as Docker sees it: an absolute path or a named volume. */
export function volumeSource(host: string, deploymentDir: string, deploymentId: string): string {
  switch (volumeKind(host)) {
    case 'absolute':
      return host;
    case 'relative':
      return `${deploymentDir}/${host.slice(2)}`.replace(/\/+$/, '');
    case 'named':
      return namedVolumeFor(deploymentId, host);
  }
}

export function buildContainerSpec(options: {
  deployment: DeploymentIdentity;
  app: AppDefinition;
  config: DeploymentConfig;
  image: string;
  deploymentDir: string;
  jobId: string;
  name?: string;
}): ContainerSpec {
  const { deployment, app, config } = options;
  const mode = networkModeOf(config.network);
  return {
    name: options.name ?? deployment.containerName,
    image: options.image,
    labels: {
      [LABEL_MANAGED]: 'true',
      [LABEL_DEPLOYMENT]: deployment.id,
      [LABEL_APP]: deployment.appId,
      [LABEL_JOB]: options.jobId,
    },
    env: config.env.filter((v) => v.value !== null).map((v) => ({ name: v.name, value: v.value as string })),
    publish:
      mode === 'bridge'
        ? config.ports.map((p) => ({ host: p.host, container: p.container, protocol: p.protocol }))
        : [],
    mounts: config.volumes.map((v) => ({
      source: volumeSource(v.host, options.deploymentDir, deployment.id),
      target: v.container,
      readOnly: v.readOnly,
    })),
    networkMode: mode,
    network: mode === 'bridge' ? (networksToJoin(config.network)[0] ?? 'bridge') : mode,
    restartPolicy: app.restartPolicy,
    capabilities: [...app.capabilities],
    command: app.command ? [...app.command] : null,
  };
}

/** `docker create` as an argument vector plus what its stdin carries. */
export interface DockerCreateCommand {
  argv: string[];
  /** The env file read through `--env-file /dev/stdin`; null when there is no env. */
  stdin: string | null;
}

/** An env-file line ends at a line break, so such values cannot travel in one. */
const LINE_BREAK = /[\r\n]/;

/**
 * `docker create …` as an argument vector: every value is one argument (the SSH runner quotes
 * each one), so paths and values are data whatever characters they hold. Env values travel in
 * an env file on stdin rather than in argv, so they never show in the server's process list
 * (`ps`); a value with a line break, which an env-file line cannot hold, stays an argument.
 * `--` is not needed before the image: it is preceded by options that all take their value as
 * the next argument, and the image reference is validated by the marketplace schema.
 */
export function dockerCreateCommand(spec: ContainerSpec): DockerCreateCommand {
  const argv = ['docker', 'create', '--name', spec.name];
  for (const [key, value] of Object.entries(spec.labels)) argv.push('--label', `${key}=${value}`);
  const envFile = spec.env.filter((v) => !LINE_BREAK.test(v.value));
  if (envFile.length > 0) argv.push('--env-file', '/dev/stdin');
  for (const { name, value } of spec.env) if (LINE_BREAK.test(value)) argv.push('--env', `${name}=${value}`);
  for (const port of spec.publish) argv.push('--publish', `${port.host}:${port.container}/${port.protocol}`);
  for (const mount of spec.mounts)
    argv.push('--volume', `${mount.source}:${mount.target}${mount.readOnly ? ':ro' : ''}`);
  argv.push('--network', spec.network);
  argv.push('--restart', spec.restartPolicy);
  for (const capability of spec.capabilities) argv.push('--cap-add', capability);
  argv.push(spec.image);
  if (spec.command) argv.push(...spec.command);
  const stdin = envFile.length > 0 ? envFile.map(({ name, value }) => `${name}=${value}\n`).join('') : null;
  return { argv, stdin };
}

/** The host-side port the health check probes: the user may have moved the app's port. */
export function healthcheckPort(app: AppDefinition, config: DeploymentConfig): number | null {
  const check = app.healthcheck;
  if (!check || check.port === null) return null;
  const declared = app.ports.find((port) => port.host === check.port && port.protocol === 'tcp');
  if (!declared) return check.port;
  return (
    config.ports.find((port) => port.container === declared.container && port.protocol === 'tcp')?.host ?? check.port
  );
}

/**
 * Where people reach the app: one URL per published TCP port (`https` when the health check
 * says the app speaks it on that port). UDP ports have no URL.
 */
export function accessUrls(serverHost: string, app: AppDefinition, config: DeploymentConfig): string[] {
  if (networkModeOf(config.network) === 'none') return [];
  const host = serverHost.includes(':') && !serverHost.startsWith('[') ? `[${serverHost}]` : serverHost;
  const checkPort = healthcheckPort(app, config);
  return config.ports
    .filter((port) => port.protocol === 'tcp')
    .map((port) => {
      const scheme = app.healthcheck?.protocol === 'https' && port.host === checkPort ? 'https' : 'http';
      return `${scheme}://${host}:${port.host}`;
    });
}

/** How a health probe reaches the app; picked once per check from what the server has. */
export type ProbeTool = 'curl' | 'wget' | 'nc' | 'docker-exec';

export interface ProbeTarget {
  check: AppHealthcheck;
  port: number;
  container: string;
  /** The port inside the container (for probes run inside it). */
  containerPort: number;
}

/**
 * One probe of the app's health check, as an argument vector run on the server. HTTP(S) is
 * probed from the server itself with curl or wget (any 2xx/3xx is healthy); TCP with nc. If the
 * server has none of these, the probe runs inside the container with `docker exec … wget`/`nc`
 * (busybox-based images have both). Only integers and the app's own path reach the command,
 * each as one argument.
 */
export function probeArgs(target: ProbeTarget, tool: ProbeTool): string[] {
  const { check } = target;
  const timeout = String(Math.max(1, check.timeoutSeconds));
  if (check.protocol === 'tcp') {
    if (tool === 'docker-exec')
      return ['docker', 'exec', target.container, 'nc', '-z', '-w', timeout, '127.0.0.1', String(target.containerPort)];
    return ['nc', '-z', '-w', timeout, '127.0.0.1', String(target.port)];
  }
  const path = check.path?.startsWith('/') ? check.path : `/${check.path ?? ''}`;
  const url = (port: number) => `${check.protocol}://127.0.0.1:${port}${path}`;
  switch (tool) {
    case 'curl':
      return [
        'curl',
        '--silent',
        '--show-error',
        '--fail',
        '--output',
        '/dev/null',
        '--max-time',
        timeout,
        ...(check.protocol === 'https' ? ['--insecure'] : []),
        url(target.port),
      ];
    case 'wget':
    case 'nc':
      return [
        'wget',
        '-q',
        '-O',
        '/dev/null',
        '-T',
        timeout,
        ...(check.protocol === 'https' ? ['--no-check-certificate'] : []),
        url(target.port),
      ];
    case 'docker-exec':
      return [
        'docker',
        'exec',
        target.container,
        'wget',
        '-q',
        '-O',
        '/dev/null',
        '-T',
        timeout,
        url(target.containerPort),
      ];
  }
}

/** Which tool to probe with, from `command -v curl wget nc` output (paths, one per line). */
export function pickProbeTool(protocol: AppHealthcheck['protocol'], available: string): ProbeTool {
  const has = (name: string) =>
    available.split('\n').some((line) => line.trim().endsWith(`/${name}`) || line.trim() === name);
  if (protocol === 'tcp') return has('nc') ? 'nc' : 'docker-exec';
  if (has('curl')) return 'curl';
  if (has('wget')) return 'wget';
  return 'docker-exec';
}
