import {
  classifyDockerServerCheck,
  cpuPercentBetween,
  parseContainerStates,
  parseCpuCount,
  formatBytes,
  parseDf,
  parseDockerClientVersion,
  parseLoadAvg,
  parseMemInfo,
  parseOsFacts,
  parseProcStat,
} from './server-facts';

describe('server facts parsers', () => {
  it('reads uname and os-release', () => {
    const osRelease =
      'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n';
    expect(parseOsFacts('Linux 6.1.0-18-amd64 x86_64\n', osRelease)).toEqual({
      os: 'Debian GNU/Linux 12 (bookworm)',
      kernel: '6.1.0-18-amd64',
      arch: 'x86_64',
    });
    expect(parseOsFacts('Linux 5.15.0 aarch64', '')).toEqual({
      os: 'Linux',
      kernel: '5.15.0',
      arch: 'aarch64',
    });
  });

  it('reads CPU count, memory and disk', () => {
    expect(parseCpuCount('8\n')).toBe(8);
    expect(parseCpuCount('garbage')).toBeNull();
    const meminfo = 'MemTotal:        16303884 kB\nMemFree:          512000 kB\nMemAvailable:    8000000 kB\n';
    expect(parseMemInfo(meminfo)).toEqual({
      totalBytes: 16303884 * 1024,
      availableBytes: 8000000 * 1024,
    });
    expect(parseMemInfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 20 kB\n')).toEqual({
      totalBytes: 1000 * 1024,
      availableBytes: 130 * 1024,
    });
    const df =
      'Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/my disk     102400000 51200000  51200000      50% /\n';
    expect(parseDf(df)).toEqual({
      totalBytes: 102400000 * 1024,
      usedBytes: 51200000 * 1024,
      availableBytes: 51200000 * 1024,
    });
    // A file system name with spaces is read from the end of the line.
    expect(parseDf('Filesystem 1024-blocks Used Available Capacity Mounted on\nmy disk 100 40 60 40% /\n')).toEqual({
      totalBytes: 100 * 1024,
      usedBytes: 40 * 1024,
      availableBytes: 60 * 1024,
    });
    expect(parseDf('df: /: No such file')).toBeNull();
  });

  it('formats bytes for people', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(8 * 1024 ** 3)).toBe('8.0 GiB');
    expect(formatBytes(3 * 1024 ** 5)).toBe('3072.0 TiB');
  });

  it('computes CPU busy share from /proc/stat deltas', () => {
    const before = parseProcStat('cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4\n');
    const after = parseProcStat('intr 1\ncpu  200 0 200 1300 100 0 0 0 0 0\n');
    expect(before).toEqual({ total: 1000, idle: 800 });
    expect(after).toEqual({ total: 1800, idle: 1400 });
    const [a, b] = [before ?? { total: 0, idle: 0 }, after ?? { total: 0, idle: 0 }];
    expect(cpuPercentBetween(a, b)).toBe(25);
    expect(cpuPercentBetween(b, a)).toBeNull(); // counters reset (reboot)
    expect(parseProcStat('nothing')).toBeNull();
  });

  it('reads load average and container states', () => {
    expect(parseLoadAvg('MemTotal: 1 kB\n0.52 0.58 0.59 2/1203 123456\n')).toEqual({
      load1: 0.52,
      load5: 0.58,
      load15: 0.59,
    });
    expect(parseContainerStates('running\nexited\nrunning\n\n')).toEqual({
      running: 2,
      total: 3,
    });
    expect(parseContainerStates('')).toEqual({ running: 0, total: 0 });
  });

  it('classifies Docker', () => {
    expect(parseDockerClientVersion('Docker version 24.0.7, build afdd53b\n')).toBe('24.0.7');
    expect(parseDockerClientVersion('sh: docker: not found')).toBeNull();
    expect(classifyDockerServerCheck(0, '27.1.1\n', '')).toEqual({
      accessible: true,
      serverVersion: '27.1.1',
    });
    expect(classifyDockerServerCheck(127, '', 'sh: 1: docker: not found')).toMatchObject({
      accessible: false,
      reason: 'not-installed',
    });
    expect(
      classifyDockerServerCheck(
        1,
        '',
        'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock',
      ),
    ).toMatchObject({ accessible: false, reason: 'permission-denied' });
    expect(
      classifyDockerServerCheck(
        1,
        '',
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      ),
    ).toMatchObject({ accessible: false, reason: 'daemon-unreachable' });
  });
});
