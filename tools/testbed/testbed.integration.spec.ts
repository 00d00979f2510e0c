/**
 * Integration test of the testbed itself: talks to the real sshd / dockerd / registry started by
 * `npm run testbed -- up`, over loopback, with the ssh2 client the product uses.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client, type ConnectConfig } from 'ssh2';
import { readTestbed, type TestbedState } from '../../libs/testing/src';

jest.setTimeout(60_000);

interface ExecResult {
  code: number | null;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

type Auth = { password: string } | { privateKey: Buffer; passphrase?: string };

const tb: TestbedState = readTestbed();

function fingerprint(rawKey: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(rawKey).digest('base64').replace(/=+$/, '');
}

/**
 * Connects to the testbed sshd. The host key is always checked against the recorded
 * fingerprint; `seenFingerprints` receives what the server actually presented.
 */
function connect(auth: Auth, seenFingerprints: string[] = []): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const config: ConnectConfig = {
      host: tb.ssh.host,
      port: tb.ssh.port,
      username: tb.ssh.username,
      readyTimeout: 20_000,
      tryKeyboard: false,
      hostVerifier: (key: Buffer): boolean => {
        const fp = fingerprint(key);
        seenFingerprints.push(fp);
        return fp === tb.ssh.hostKeyFingerprint;
      },
      ...auth,
    };
    client
      .once('ready', () => resolve(client))
      .once('error', (err: Error) => reject(err))
      .setNoDelay(true)
      .connect(config);
  });
}

function exec(client: Client, command: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      let signal: string | undefined;
      stream.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      stream.on('exit', (c: number | null, s?: string) => {
        code = c;
        signal = s;
      });
      stream.on('close', () => resolve({ code, signal, stdout, stderr }));
      stream.on('error', reject);
    });
  });
}

/** exec that fails the test (with the command's output) unless the exit code is 0. */
async function execOk(client: Client, command: string): Promise<string> {
  const res = await exec(client, command);
  if (res.code !== 0) {
    throw new Error(`\`${command}\` exited ${res.code} (signal ${res.signal}):\n${res.stderr}${res.stdout}`);
  }
  return res.stdout;
}

const clients: Client[] = [];
async function open(auth: Auth, seen?: string[]): Promise<Client> {
  const c = await connect(auth, seen);
  clients.push(c);
  return c;
}

afterAll(() => {
  for (const c of clients) c.end();
});

describe('testbed sshd + docker', () => {
  const key = (): Buffer => readFileSync(tb.ssh.privateKeyPath);

  it('(a) logs in with the private key and runs `docker ps` against the testbed engine', async () => {
    const c = await open({ privateKey: key() });
    const ps = await exec(c, 'docker ps');
    expect(ps.stderr).toBe('');
    expect(ps.code).toBe(0);
    expect(ps.stdout).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND/);
    expect((await execOk(c, 'echo "$DOCKER_HOST"')).trim()).toBe(tb.docker.host);
  });

  it('(b) logs in with the password; the user is in the docker socket group', async () => {
    const c = await open({ password: tb.ssh.password });
    const id = await execOk(c, 'id');
    expect(id).toMatch(new RegExp(`uid=\\d+\\(${tb.ssh.username}\\)`));
    expect(id).toMatch(/\(tomo-testbed-docker\)/);
  });

  it('rejects a wrong password', async () => {
    await expect(connect({ password: `${tb.ssh.password}-wrong` })).rejects.toThrow(
      /All configured authentication methods failed/,
    );
  });

  it('(c) logs in with the passphrase-protected key', async () => {
    const encrypted = readFileSync(tb.ssh.encryptedKeyPath);
    // It really is encrypted: without the passphrase ssh2 cannot even parse it.
    await expect(connect({ privateKey: encrypted })).rejects.toThrow(/passphrase/i);
    const c = await open({
      privateKey: encrypted,
      passphrase: tb.ssh.passphrase,
    });
    expect((await execOk(c, 'whoami')).trim()).toBe(tb.ssh.username);
  });

  describe('(d) pulls from the local registry and runs a container', () => {
    const name = `tomo-testbed-spec-${process.pid}-${Date.now()}`;
    let c: Client;

    beforeAll(async () => {
      c = await open({ privateKey: key() });
    });

    afterAll(async () => {
      if (c) await exec(c, `docker rm -f ${name}`);
    });

    it('pulls v1, runs it with --network host and sees it running', async () => {
      const pull = await execOk(c, `docker pull ${tb.images.v1}`);
      expect(pull).toContain(tb.images.v1);
      const id = (await execOk(c, `docker run -d --network host --name ${name} ${tb.images.v1} sleep 30`)).trim();
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      expect((await execOk(c, `docker inspect -f '{{.State.Running}}' ${name}`)).trim()).toBe('true');
      expect((await execOk(c, `docker exec ${name} cat /etc/tomo-version`)).trim()).toBe('1');
    });

    it('v2 is a different image', async () => {
      await execOk(c, `docker pull ${tb.images.v2}`);
      const ids = await execOk(c, `docker image inspect -f '{{.Id}}' ${tb.images.v1} ${tb.images.v2}`);
      const [id1, id2] = ids.trim().split('\n');
      expect(id1).toMatch(/^sha256:/);
      expect(id2).toMatch(/^sha256:/);
      expect(id1).not.toBe(id2);
      const version = await execOk(c, `docker run --rm --network host ${tb.images.v2} cat /etc/tomo-version`);
      expect(version.trim()).toBe('2');
    });
  });

  it('(e) the host key ssh2 sees matches hostKeyFingerprint', async () => {
    const seen: string[] = [];
    await open({ privateKey: key() }, seen);
    expect(seen).toEqual([tb.ssh.hostKeyFingerprint]);
    // ...and it is the key in hostKeyPath.
    const [, b64] = readFileSync(tb.ssh.hostKeyPath, 'utf8').trim().split(/\s+/);
    expect(fingerprint(Buffer.from(b64, 'base64'))).toBe(tb.ssh.hostKeyFingerprint);
  });

  it('refuses a server whose host key does not match', async () => {
    const client = new Client();
    const failed = new Promise<Error>((resolve, reject) => {
      client.once('ready', () => reject(new Error('connected despite a rejected host key')));
      client.once('error', resolve);
    });
    client.setNoDelay(true).connect({
      host: tb.ssh.host,
      port: tb.ssh.port,
      username: tb.ssh.username,
      privateKey: key(),
      hostVerifier: (): boolean => false,
    });
    expect((await failed).message).toMatch(/verification failed/i);
    client.end();
  });
});
