/** Parsers for what the deployment steps read from a server (pure, unit-tested). */

/**
 * Ports bound on the host, from `/proc/net/{tcp,tcp6,udp,udp6}` (read with `cat`: every Linux
 * has it, unlike ss or netstat). TCP counts when LISTENing (state 0A), UDP when bound (07).
 * Docker's userland proxy and host-network containers show up here like any process.
 */
export function boundPorts(procNet: string, protocol: 'tcp' | 'udp'): Set<number> {
  const ports = new Set<number>();
  const wanted = protocol === 'tcp' ? '0A' : '07';
  for (const line of procNet.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st …
    if (fields.length < 4 || !/^\d+:$/.test(fields[0] ?? '')) continue;
    const local = fields[1] ?? '';
    const state = fields[3] ?? '';
    if (state.toUpperCase() !== wanted) continue;
    const port = Number.parseInt(local.split(':').pop() ?? '', 16);
    if (Number.isInteger(port) && port > 0) ports.add(port);
  }
  return ports;
}

/** Docker's `Architecture` (uname style: x86_64, aarch64, armv7l) → the marketplace's names. */
export function normalizeArchitecture(arch: string): string {
  const value = arch.trim().toLowerCase();
  if (value === 'x86_64' || value === 'amd64') return 'amd64';
  if (value === 'aarch64' || value === 'arm64') return 'arm64';
  if (value.startsWith('armv7') || value === 'arm' || value === 'arm/v7') return 'arm/v7';
  return value;
}

/** A container as `docker ps -a --format` with {@link PS_FORMAT} reports it. */
export interface ListedContainer {
  id: string;
  name: string;
  /** created, running, paused, restarting, removing, exited, dead */
  state: string;
  deploymentId: string;
  appId: string;
  /** Labelled `tomo.managed=true`: a container the platform created. */
  managed: boolean;
}

/** Tab-separated: IDs, names and states never contain tabs; label values are ours. */
export const PS_FORMAT =
  '{{.ID}}\t{{.Names}}\t{{.State}}\t{{.Label "tomo.deployment"}}\t{{.Label "tomo.app"}}\t{{.Label "tomo.managed"}}';

export function parseContainerList(output: string): ListedContainer[] {
  return output
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((fields) => fields.length >= 5 && fields[0] !== '')
    .map(([id, name, state, deploymentId, appId, managed]) => ({
      id: id ?? '',
      name: name ?? '',
      state: state ?? '',
      deploymentId: deploymentId ?? '',
      appId: appId ?? '',
      managed: managed === 'true',
    }));
}

/** The parts of `docker container inspect` the steps use. */
export interface InspectedContainer {
  id: string;
  name: string;
  image: string;
  running: boolean;
  status: string;
  restarting: boolean;
  exitCode: number;
  labels: Record<string, string>;
}

export function parseInspect(output: string): InspectedContainer | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    return null;
  }
  const first = Array.isArray(parsed) ? (parsed[0] as Record<string, unknown> | undefined) : undefined;
  if (!first) return null;
  const state = (first['State'] ?? {}) as Record<string, unknown>;
  const config = (first['Config'] ?? {}) as Record<string, unknown>;
  return {
    id: String(first['Id'] ?? ''),
    name: String(first['Name'] ?? '').replace(/^\//, ''),
    image: String(config['Image'] ?? ''),
    running: state['Running'] === true,
    status: String(state['Status'] ?? ''),
    restarting: state['Restarting'] === true,
    exitCode: typeof state['ExitCode'] === 'number' ? state['ExitCode'] : 0,
    labels: (config['Labels'] ?? {}) as Record<string, string>,
  };
}

/** Whether `docker pull` failed because the image or tag does not exist (retrying cannot help). */
export function isMissingImageError(stderr: string): boolean {
  return /manifest unknown|not found|does not exist|pull access denied|repository .* not found|no such image|invalid reference format/i.test(
    stderr,
  );
}
