import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestbedState } from '@tomo/testing';

/**
 * The OpenSSH CLI against the testbed's sshd with its test key and known host: `ssh … <argv>`,
 * a new connection each time, or multiplexed over one ControlMaster connection (the honest
 * baseline of a shell script that reuses its connection).
 */
export class OpenSsh {
  private readonly controlDir = mkdtempSync(join(tmpdir(), 'tomo-bench-ssh-'));
  private readonly controlPath = join(this.controlDir, 'control');

  constructor(private readonly testbed: TestbedState) {}

  /** A new connection for this command. */
  run(...argv: string[]): Promise<string> {
    return this.ssh([], argv);
  }

  /** Over the ControlMaster connection; the first call starts it, it persists for 2 minutes idle. */
  runMultiplexed(...argv: string[]): Promise<string> {
    return this.ssh(['ControlMaster=auto', `ControlPath=${this.controlPath}`, 'ControlPersist=120'], argv);
  }

  /** Ends the master connection and removes its socket directory. */
  async close(): Promise<void> {
    await this.ssh([`ControlPath=${this.controlPath}`], ['-O', 'exit']).catch(() => undefined);
    rmSync(this.controlDir, { recursive: true, force: true });
  }

  private ssh(options: string[], argv: string[]): Promise<string> {
    const { ssh } = this.testbed;
    const args = [
      '-p',
      String(ssh.port),
      '-i',
      ssh.privateKeyPath,
      '-o',
      `UserKnownHostsFile=${ssh.knownHostsPath}`,
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
    ];
    for (const option of options) args.push('-o', option);
    // `-O exit` is a control command: it goes before the destination.
    const [first, ...rest] = argv;
    const tail =
      first === '-O' ? [...argv, `${ssh.username}@${ssh.host}`] : [`${ssh.username}@${ssh.host}`, '--', first, ...rest];
    return new Promise((resolve, reject) => {
      execFile('ssh', [...args, ...tail], { encoding: 'utf8' }, (error, stdout, stderr) =>
        error ? reject(new Error(`ssh ${argv.join(' ')}: ${error.message} ${stderr}`)) : resolve(stdout),
      );
    });
  }
}
