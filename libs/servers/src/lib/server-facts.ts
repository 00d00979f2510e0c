/**
 * Parsers for what the remote commands of testConnection and metrics collection print.
 * Pure functions: the workflows run the commands, these read the output.
 */

export interface OsFacts {
  os: string;
  kernel: string | null;
  arch: string | null;
}

/** `uname -s -r -m` output and /etc/os-release (may be empty) → a display name, kernel, arch. */
export function parseOsFacts(uname: string, osRelease: string): OsFacts {
  const [system = '', kernel = null, arch = null] = uname.trim().split(/\s+/);
  const fields = new Map<string, string>();
  for (const line of osRelease.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) fields.set(match[1], unquote(match[2]));
  }
  const pretty = fields.get('PRETTY_NAME') || [fields.get('NAME'), fields.get('VERSION')].filter(Boolean).join(' ');
  return {
    os: (pretty || system || 'unknown').slice(0, 200),
    kernel: kernel?.slice(0, 200) ?? null,
    arch: arch?.slice(0, 32) ?? null,
  };
}

function unquote(value: string): string {
  const trimmed = value.trim();
  if (/^".*"$/.test(trimmed)) return trimmed.slice(1, -1).replace(/\\(["$`\\])/g, '$1');
  if (/^'.*'$/.test(trimmed)) return trimmed.slice(1, -1);
  return trimmed;
}

export function parseCpuCount(output: string): number | null {
  const value = Number.parseInt(output.trim(), 10);
  return Number.isInteger(value) && value > 0 ? value : null;
}

export interface MemInfo {
  totalBytes: number;
  availableBytes: number | null;
}

/** /proc/meminfo (possibly inside other output) → MemTotal and MemAvailable in bytes. */
export function parseMemInfo(output: string): MemInfo | null {
  const kib = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s*kB`, 'm').exec(output);
    return match ? Number(match[1]) * 1024 : null;
  };
  const totalBytes = kib('MemTotal');
  if (totalBytes === null) return null;
  let availableBytes = kib('MemAvailable');
  if (availableBytes === null) {
    // Kernels before 3.14 have no MemAvailable: approximate it as the kernel's free(1) did.
    const parts = ['MemFree', 'Buffers', 'Cached'].map(kib);
    availableBytes = parts.every((p) => p !== null) ? parts.reduce<number>((sum, p) => sum + (p ?? 0), 0) : null;
  }
  return { totalBytes, availableBytes };
}

export interface DiskUsage {
  totalBytes: number;
  usedBytes: number;
  /** What an unprivileged user may still write (less than total - used: root's reserve). */
  availableBytes: number;
}

/** `df -Pk <path>` → the size and use of that file system (POSIX format, 1 KiB blocks). */
export function parseDf(output: string): DiskUsage | null {
  const lines = output.trim().split('\n');
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    // Filesystem 1024-blocks Used Available Capacity Mounted-on (the name may hold spaces: read from the end).
    if (fields.length < 6) continue;
    const [total, used, available] = fields
      .slice(fields.length - 5, fields.length - 2)
      .map((field) => (/^\d+$/.test(field) ? Number(field) : NaN));
    if ([total, used, available].every(Number.isFinite))
      return {
        totalBytes: total * 1024,
        usedBytes: used * 1024,
        availableBytes: available * 1024,
      };
  }
  return null;
}

/** Bytes for people: `512 B`, `1.5 KiB`, … `2.0 TiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export interface CpuTicks {
  total: number;
  idle: number;
}

/** The aggregate `cpu ` line of /proc/stat → total and idle (idle + iowait) jiffies. */
export function parseProcStat(output: string): CpuTicks | null {
  const match = /^cpu\s+([\d\s]+)$/m.exec(output);
  if (!match) return null;
  // user nice system idle iowait irq softirq steal (guest time is already counted in user/nice).
  const values = match[1].trim().split(/\s+/).slice(0, 8).map(Number);
  if (values.length < 4 || values.some((v) => !Number.isFinite(v))) return null;
  const total = values.reduce((sum, v) => sum + v, 0);
  const idle = values[3] + (values[4] ?? 0);
  return { total, idle };
}

/** Busy percentage between two /proc/stat readings; null when the counters did not advance (or reset). */
export function cpuPercentBetween(before: CpuTicks, after: CpuTicks): number | null {
  const total = after.total - before.total;
  const idle = after.idle - before.idle;
  if (total <= 0 || idle < 0 || idle > total) return null;
  return Math.round(((total - idle) / total) * 1000) / 10;
}

export interface LoadAverage {
  load1: number;
  load5: number;
  load15: number;
}

/** /proc/loadavg (`0.00 0.01 0.05 1/123 4567`), possibly inside other output. */
export function parseLoadAvg(output: string): LoadAverage | null {
  const match = /^(\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) \d+\/\d+ \d+$/m.exec(output);
  return match
    ? {
        load1: Number(match[1]),
        load5: Number(match[2]),
        load15: Number(match[3]),
      }
    : null;
}

/** `docker --version` → `24.0.7` (null when it does not look like Docker's answer). */
export function parseDockerClientVersion(output: string): string | null {
  const match = /version\s+v?([0-9][\w.+~-]*)/i.exec(output);
  return match ? match[1].replace(/,$/, '').slice(0, 64) : null;
}

export type DockerAccess =
  | { accessible: true; serverVersion: string }
  | {
      accessible: false;
      reason: 'permission-denied' | 'daemon-unreachable' | 'not-installed' | 'error';
      detail: string;
    };

/** The result of `docker version --format {{.Server.Version}}`. */
export function classifyDockerServerCheck(exitCode: number | null, stdout: string, stderr: string): DockerAccess {
  const version = stdout.trim().split('\n').pop()?.trim() ?? '';
  if (exitCode === 0 && version !== '') return { accessible: true, serverVersion: version.slice(0, 64) };
  const detail = stderr.trim().split('\n').slice(-3).join(' ').slice(0, 300);
  if (exitCode === 127) return { accessible: false, reason: 'not-installed', detail };
  if (/permission denied/i.test(stderr)) return { accessible: false, reason: 'permission-denied', detail };
  if (
    /cannot connect to the docker daemon|is the docker daemon running|connection refused|no such file/i.test(stderr)
  ) {
    return { accessible: false, reason: 'daemon-unreachable', detail };
  }
  return { accessible: false, reason: 'error', detail };
}

export interface ContainerCounts {
  running: number;
  total: number;
}

/** `docker ps -a --format {{.State}}` → counts (one state per line). */
export function parseContainerStates(output: string): ContainerCounts {
  const states = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return {
    running: states.filter((state) => state === 'running').length,
    total: states.length,
  };
}
