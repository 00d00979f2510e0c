import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitAll, gitIn, type TestbedState } from '@tomo/testing';
import { WORKSPACE_ROOT } from './workspace';

/** The marketplace library's test app (a busybox httpd the testbed can run), in repository layout. */
const TEST_APPS_DIR = join(WORKSPACE_ROOT, 'libs/marketplace/test-apps');

/** Runs the docker CLI against the testbed's own engine. */
export function testbedDocker(testbed: TestbedState, ...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: testbed.docker.host } });
}

/** The `AddServerInput` of the testbed's sshd as server "testbed", with key or password auth. */
export function testbedServerInput(testbed: TestbedState, authType: 'KEY' | 'PASSWORD') {
  const { host, port, username } = testbed.ssh;
  const secret =
    authType === 'KEY'
      ? { privateKey: readFileSync(testbed.ssh.privateKeyPath, 'utf8') }
      : { password: testbed.ssh.password };
  return { name: 'testbed', host, port, username, authType, ...secret };
}

/**
 * A git marketplace repository in `dir` holding the test app (busybox httpd) on `port`, so that
 * deployments of parallel runs do not collide on the host network. The app names `tomo/busybox:v1`
 * (the app schema refuses registries with a port): the testbed's v1 image is tagged so on its engine,
 * and the default pull policy (IF_MISSING) uses it.
 */
export function createTestMarketplace(testbed: TestbedState, dir: string, port: number): void {
  cpSync(TEST_APPS_DIR, dir, { recursive: true });
  const appFile = join(dir, 'apps/utility/busybox-httpd/app.yaml');
  writeFileSync(appFile, readFileSync(appFile, 'utf8').replaceAll('18080', String(port)));
  gitIn(dir, 'init', '--quiet', '--initial-branch=main');
  commitAll(dir, 'test app');
  testbedDocker(testbed, 'pull', '--quiet', testbed.images.v1);
  testbedDocker(testbed, 'tag', testbed.images.v1, 'tomo/busybox:v1');
}
