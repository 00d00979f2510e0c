import { ErrorCode, TomoException } from '@tomo/shared';
import { testApp } from '../testing/test-app';
import {
  configAsInput,
  maskSecrets,
  mergeConfigInput,
  PullPolicy,
  resolveDeploymentConfig,
  secretValues,
  withSecrets,
} from './deployment-config';

const app = testApp({
  environment: `    - name: ADMIN_PASSWORD
      value: ""
      required: true
      description: The admin password
    - name: CACHE_DIR
      value: ./cache/site
      required: false
      description: Cache folder`,
  volumes: `    - container: /data
      host: ./data
      mode: rw
      description: Data
    - container: /cache
      host: \${CACHE_DIR}
      mode: ro
      description: Cache`,
});

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TomoException);
    expect((error as TomoException).code).toBe(ErrorCode.BadUserInput);
    return (error as TomoException).message;
  }
  throw new Error('expected a BAD_USER_INPUT');
}

describe('resolveDeploymentConfig', () => {
  it('merges the app defaults with the user values and expands ${VAR} in app volume paths', () => {
    const config = resolveDeploymentConfig(app, { env: [{ name: 'ADMIN_PASSWORD', value: "p'a$s;`x`" }] });
    expect(config).toEqual({
      env: [
        { name: 'GREETING', value: 'hello', secret: false },
        { name: 'ADMIN_PASSWORD', value: "p'a$s;`x`", secret: true },
        { name: 'CACHE_DIR', value: './cache/site', secret: false },
      ],
      ports: [{ container: 18080, host: 18080, protocol: 'tcp' }],
      volumes: [
        { container: '/data', host: './data', readOnly: false },
        { container: '/cache', host: './cache/site', readOnly: true },
      ],
      network: 'host',
      pullPolicy: PullPolicy.IfMissing,
    });
  });

  it('names every wrong field in one message', () => {
    const message = errorOf(() =>
      resolveDeploymentConfig(app, {
        env: [{ name: '1BAD', value: 'x' }],
        ports: [
          { container: 9999, host: 80, protocol: 'tcp' },
          { container: 18080, host: 70000, protocol: 'tcp' },
        ],
        volumes: [
          { container: 'relative', host: '/x' },
          { container: '/data', host: './../escape' },
        ],
        network: 'bad name!',
      }),
    );
    expect(message).toContain('config.env.ADMIN_PASSWORD is required by Busybox httpd (The admin password)');
    expect(message).toContain('config.env "1BAD" is not a valid variable name');
    expect(message).toContain('config.ports 9999/tcp is not a port of Busybox httpd (its ports: 18080/tcp)');
    expect(message).toContain('host port 70000 must be an integer from 1 to 65535');
    expect(message).toContain('config.volumes "relative": the container path must be absolute');
    expect(message).toContain('config.volumes /data: host "./../escape" must stay inside the deployment directory');
    expect(message).toContain('config.network "bad name!" is not a network name');
  });

  it('refuses moving a port under host networking, a colon in a path and an unknown pull policy', () => {
    const message = errorOf(() =>
      resolveDeploymentConfig(app, {
        env: [{ name: 'ADMIN_PASSWORD', value: 'x' }],
        ports: [{ container: 18080, host: 8080 }],
        volumes: [{ container: '/data', host: '/srv/a:b' }],
        pullPolicy: 'SOMETIMES' as PullPolicy,
      }),
    );
    expect(message).toContain('with host networking the app listens on 18080 itself; it cannot be moved to 8080');
    expect(message).toContain('host "/srv/a:b" must not contain ":"');
    expect(message).toContain('config.pullPolicy must be one of ALWAYS, IF_MISSING, NEVER');
  });

  it('lets a bridge network remap ports and keeps shell metacharacters as data', () => {
    const config = resolveDeploymentConfig(app, {
      env: [
        { name: 'ADMIN_PASSWORD', value: 'x' },
        { name: 'EXTRA_TOKEN', value: '$(id)' },
      ],
      ports: [{ container: 18080, host: 8080, protocol: 'TCP' }],
      volumes: [{ container: '/weird', host: "/tmp/a b;$(touch x)'`" }],
      network: 'my-net',
      pullPolicy: PullPolicy.Always,
    });
    expect(config.ports).toEqual([{ container: 18080, host: 8080, protocol: 'tcp' }]);
    expect(config.env.at(-1)).toEqual({ name: 'EXTRA_TOKEN', value: '$(id)', secret: true });
    expect(config.volumes.at(-1)).toEqual({ container: '/weird', host: "/tmp/a b;$(touch x)'`", readOnly: false });
  });

  it('masks secrets and puts them back; an update input only changes what it names', () => {
    const config = resolveDeploymentConfig(app, { env: [{ name: 'ADMIN_PASSWORD', value: 's3cret' }] });
    const masked = maskSecrets(config);
    expect(masked.env.find((v) => v.name === 'ADMIN_PASSWORD')?.value).toBeNull();
    expect(JSON.stringify(masked)).not.toContain('s3cret');
    expect(withSecrets(masked, secretValues(config))).toEqual(config);
    const merged = mergeConfigInput(configAsInput(config), {
      env: [{ name: 'GREETING', value: 'hi' }],
      pullPolicy: PullPolicy.Never,
    });
    const updated = resolveDeploymentConfig(app, merged);
    expect(updated.env.map((v) => [v.name, v.value])).toEqual([
      ['GREETING', 'hi'],
      ['ADMIN_PASSWORD', 's3cret'],
      ['CACHE_DIR', './cache/site'],
    ]);
    expect(updated.pullPolicy).toBe(PullPolicy.Never);
    expect(updated.volumes).toEqual(config.volumes);
  });
});
