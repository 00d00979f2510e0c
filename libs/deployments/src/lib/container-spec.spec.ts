import { testApp } from '../testing/test-app';
import {
  accessUrls,
  buildContainerSpec,
  containerNameFor,
  dockerCreateCommand,
  pickProbeTool,
  probeArgs,
} from './container-spec';
import { resolveDeploymentConfig } from './deployment-config';

const app = testApp({
  volumes: `    - container: /data
      host: ./data
      mode: rw
      description: Data
    - container: /cache
      host: /srv/cache
      mode: ro
      description: Cache`,
});
const deployment = {
  id: '0c6f1e2a-1111-2222-3333-444455556666',
  appId: 'test/busybox-httpd',
  containerName: 'tomo-busybox-httpd-0c6f1e2a',
};

describe('container naming', () => {
  it('is tomo-<app>-<8 chars of the id>, Docker-safe', () => {
    expect(containerNameFor('builtin/uptime-kuma', '0C6F1E2A-aaaa')).toBe('tomo-uptime-kuma-0c6f1e2a');
    expect(containerNameFor('x/..we!rd', 'ab')).toBe('tomo-we-rd-ab');
  });
});

describe('dockerCreateCommand', () => {
  it('builds an argument vector with the contract labels, one argument per value, env values on stdin', () => {
    const config = resolveDeploymentConfig(app, {
      env: [
        { name: 'WEIRD', value: "a b;$(touch /tmp/x)' `id`" },
        { name: 'MULTILINE', value: 'line one\nline two' },
      ],
      volumes: [
        { container: '/mnt/x', host: '/srv/it is $HOME;rm' },
        { container: '/named', host: 'things' },
      ],
    });
    const spec = buildContainerSpec({
      deployment,
      app,
      config,
      image: 'tomo/busybox:v1',
      deploymentDir: '/home/u/tomo/deployments/d1',
      jobId: 'job-1',
    });
    const { argv, stdin } = dockerCreateCommand(spec);
    // Values reach `ps` on the server only when an env-file line cannot hold them.
    expect(stdin).toBe("GREETING=hello\nWEIRD=a b;$(touch /tmp/x)' `id`\n");
    expect(argv).toEqual([
      'docker',
      'create',
      '--name',
      'tomo-busybox-httpd-0c6f1e2a',
      '--label',
      'tomo.managed=true',
      '--label',
      `tomo.deployment=${deployment.id}`,
      '--label',
      'tomo.app=test/busybox-httpd',
      '--label',
      'tomo.job=job-1',
      '--env-file',
      '/dev/stdin',
      '--env',
      'MULTILINE=line one\nline two',
      '--volume',
      '/home/u/tomo/deployments/d1/data:/data',
      '--volume',
      '/srv/cache:/cache:ro',
      '--volume',
      '/srv/it is $HOME;rm:/mnt/x',
      '--volume',
      `tomo-${deployment.id}-things:/named`,
      '--network',
      'host',
      '--restart',
      'unless-stopped',
      'tomo/busybox:v1',
      'httpd',
      '-f',
      '-v',
      '-p',
      '18080',
      '-h',
      '/etc',
    ]);
  });

  it('publishes ports only on a bridge network, and adds capabilities', () => {
    const config = resolveDeploymentConfig(app, { network: 'bridge', ports: [{ container: 18080, host: 8080 }] });
    const spec = buildContainerSpec({
      deployment,
      app: { ...app, capabilities: ['NET_ADMIN'] },
      config,
      image: 'img:1',
      deploymentDir: '/d',
      jobId: 'j',
    });
    const args = dockerCreateCommand(spec).argv;
    expect(args.slice(args.indexOf('--publish'), args.indexOf('--publish') + 2)).toEqual([
      '--publish',
      '8080:18080/tcp',
    ]);
    expect(args).toEqual(expect.arrayContaining(['--network', 'bridge', '--cap-add', 'NET_ADMIN']));
  });
});

describe('access URLs', () => {
  it('one per TCP port, IPv6 in brackets, none without a network', () => {
    const config = resolveDeploymentConfig(app, {});
    expect(accessUrls('192.168.1.5', app, config)).toEqual(['http://192.168.1.5:18080']);
    expect(accessUrls('fe80::1', app, config)).toEqual(['http://[fe80::1]:18080']);
    expect(
      accessUrls('h', { ...app, healthcheck: app.healthcheck && { ...app.healthcheck, protocol: 'https' } }, config),
    ).toEqual(['https://h:18080']);
    expect(accessUrls('h', app, resolveDeploymentConfig(app, { network: 'none' }))).toEqual([]);
  });
});

describe('health probe', () => {
  const check = app.healthcheck;
  if (!check) throw new Error('test app has a health check');
  it('prefers curl, then wget, then docker exec', () => {
    expect(pickProbeTool('http', '/usr/bin/curl\n/usr/bin/wget\n')).toBe('curl');
    expect(pickProbeTool('http', '/bin/wget\n')).toBe('wget');
    expect(pickProbeTool('http', '')).toBe('docker-exec');
    expect(pickProbeTool('tcp', '/bin/nc')).toBe('nc');
    expect(pickProbeTool('tcp', '/usr/bin/curl')).toBe('docker-exec');
  });

  it('builds argument vectors with the port and path as separate data', () => {
    const target = { check, port: 18080, container: 'c1', containerPort: 80 };
    expect(probeArgs(target, 'curl')).toEqual([
      'curl',
      '--silent',
      '--show-error',
      '--fail',
      '--output',
      '/dev/null',
      '--max-time',
      '2',
      'http://127.0.0.1:18080/tomo-version',
    ]);
    expect(probeArgs(target, 'wget')).toEqual([
      'wget',
      '-q',
      '-O',
      '/dev/null',
      '-T',
      '2',
      'http://127.0.0.1:18080/tomo-version',
    ]);
    expect(probeArgs(target, 'docker-exec')).toEqual([
      'docker',
      'exec',
      'c1',
      'wget',
      '-q',
      '-O',
      '/dev/null',
      '-T',
      '2',
      'http://127.0.0.1:80/tomo-version',
    ]);
    expect(probeArgs({ ...target, check: { ...check, protocol: 'tcp', path: null } }, 'nc')).toEqual([
      'nc',
      '-z',
      '-w',
      '2',
      '127.0.0.1',
      '18080',
    ]);
  });
});
