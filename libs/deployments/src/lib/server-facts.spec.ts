import {
  boundPorts,
  isMissingImageError,
  normalizeArchitecture,
  parseContainerList,
  parseInspect,
} from './server-facts';

describe('server facts', () => {
  it('reads listening TCP and bound UDP ports from /proc/net', () => {
    const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:46A0 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 1 1 0 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1001        0 2 1 0 100 0 0 10 0
   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0`;
    expect([...boundPorts(tcp, 'tcp')].sort()).toEqual([18080, 22]);
    const udp = `  sl  local_address rem_address   st
 1: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 1 2 0`;
    expect([...boundPorts(udp, 'udp')]).toEqual([53]);
  });

  it('reads the architecture', () => {
    expect(normalizeArchitecture('x86_64')).toBe('amd64');
    expect(normalizeArchitecture('aarch64')).toBe('arm64');
    expect(normalizeArchitecture('armv7l')).toBe('arm/v7');
  });

  it('parses docker ps and docker inspect', () => {
    expect(parseContainerList('abc\ttomo-x-1\trunning\td1\tbuiltin/x\ttrue\ndef\tstray\texited\td2\t\t\n\n')).toEqual([
      { id: 'abc', name: 'tomo-x-1', state: 'running', deploymentId: 'd1', appId: 'builtin/x', managed: true },
      { id: 'def', name: 'stray', state: 'exited', deploymentId: 'd2', appId: '', managed: false },
    ]);
    const inspected = parseInspect(
      JSON.stringify([
        {
          Id: 'f00',
          Name: '/tomo-x',
          Config: { Image: 'img:1', Labels: { 'tomo.deployment': 'd1' } },
          State: { Running: true, Status: 'running', Restarting: false, ExitCode: 0 },
        },
      ]),
    );
    expect(inspected).toEqual({
      id: 'f00',
      name: 'tomo-x',
      image: 'img:1',
      running: true,
      status: 'running',
      restarting: false,
      exitCode: 0,
      labels: { 'tomo.deployment': 'd1' },
    });
    expect(parseInspect('[]')).toBeNull();
    expect(parseInspect('not json')).toBeNull();
  });

  it('tells a missing image from a network failure', () => {
    expect(
      isMissingImageError(
        'Error response from daemon: manifest for 127.0.0.1:5000/tomo/busybox:nope not found: manifest unknown',
      ),
    ).toBe(true);
    expect(isMissingImageError('Error response from daemon: Get "https://x/v2/": dial tcp: connection refused')).toBe(
      false,
    );
  });
});
