import { EventEmitter } from 'node:events';
import { ErrorCode } from '@tomo/shared';
import type { ClientChannel } from 'ssh2';
import { killCommand, runRemoteCommand, wrapCommand, type ExecChannelOpener } from './remote-command';

/** Just enough of an ssh2 ClientChannel for the runner. */
class FakeChannel extends EventEmitter {
  readonly stderr = new EventEmitter() as EventEmitter & { resume(): void };
  stdin: Array<string | Buffer | undefined> = [];
  closed = false;
  constructor() {
    super();
    this.stderr.resume = () => undefined;
  }
  end(data?: string | Buffer): void {
    this.stdin.push(data);
  }
  resume(): void {
    /* nothing buffered */
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
  out(text: string | Buffer): void {
    this.emit('data', Buffer.isBuffer(text) ? text : Buffer.from(text));
  }
  err(text: string): void {
    this.stderr.emit('data', Buffer.from(text));
  }
  finish(code: number | null, signal?: string): void {
    this.emit('exit', code, signal);
    this.closed = true;
    this.emit('close', code, signal);
  }
}

class FakeOpener implements ExecChannelOpener {
  readonly commands: string[] = [];
  readonly channels: FakeChannel[] = [];
  onOpen: (channel: FakeChannel, command: string) => void = () => undefined;
  openExec(command: string): Promise<ClientChannel> {
    const channel = new FakeChannel();
    this.commands.push(command);
    this.channels.push(channel);
    setImmediate(() => this.onOpen(channel, command));
    return Promise.resolve(channel as unknown as ClientChannel);
  }
  lostConnectionError(detail: string): Error {
    return Object.assign(new Error(detail), {
      code: ErrorCode.ServerUnreachable,
    });
  }
}

describe('wrapCommand / killCommand', () => {
  it('prints the pid, then runs the quoted argv', () => {
    expect(wrapCommand(['printf', '%s\\n', '$(id)'])).toBe(`echo __tomo_pid=$$; printf '%s\\n' '$(id)'`);
  });

  it('kill only takes integer pids > 1', () => {
    expect(killCommand(1234, 2000)).toMatch(/^sh -c '.*' tomo-kill 1234 20$/);
    expect(() => killCommand(1, 0)).toThrow();
    expect(() => killCommand(Number.NaN, 0)).toThrow();
  });
});

describe('runRemoteCommand', () => {
  it('strips the pid line, streams lines in order per stream and captures output', async () => {
    const opener = new FakeOpener();
    const lines: string[] = [];
    opener.onOpen = (ch) => {
      ch.out('__tomo_pid=4242\nfir');
      ch.out('st\nsecond\r\n');
      ch.err('oops\n');
      ch.out(Buffer.from([0xe6, 0x97])); // 日 split across chunks
      ch.out(Buffer.from([0xa5, 0x0a]));
      ch.out('no newline at end');
      ch.finish(3);
    };
    const result = await runRemoteCommand(opener, ['x'], {
      onOutput: (l, s) => lines.push(`${s}:${l}`),
    });
    expect(lines).toEqual(['stdout:first', 'stdout:second', 'stderr:oops', 'stdout:日', 'stdout:no newline at end']);
    expect(result).toMatchObject({
      exitCode: 3,
      exitSignal: null,
      stdout: 'first\nsecond\r\n日\nno newline at end',
      stderr: 'oops\n',
      stdoutTruncated: false,
    });
    expect(opener.channels[0].stdin).toEqual([undefined]);
  });

  it('takes the exit status from the close event when exit was emitted before the runner listened', async () => {
    const opener = new FakeOpener();
    opener.onOpen = (ch) => {
      ch.out('__tomo_pid=5\n');
      ch.closed = true;
      ch.emit('close', 4);
    };
    expect((await runRemoteCommand(opener, ['x'])).exitCode).toBe(4);
  });

  it('passes through what a login script printed before the pid line', async () => {
    const opener = new FakeOpener();
    opener.onOpen = (ch) => {
      ch.out('motd line\n__tomo_pid=77\nreal\n');
      ch.finish(0);
    };
    expect((await runRemoteCommand(opener, ['x'])).stdout).toBe('motd line\nreal\n');
  });

  it('caps the captured output but streams all of it', async () => {
    const opener = new FakeOpener();
    let streamed = 0;
    opener.onOpen = (ch) => {
      ch.out('__tomo_pid=5\n');
      for (let i = 0; i < 100; i++) ch.out('0123456789\n');
      ch.finish(0);
    };
    const result = await runRemoteCommand(opener, ['x'], {
      maxCaptureBytes: 25,
      onOutput: () => streamed++,
    });
    expect(result.stdout).toBe('0123456789\n0123456789\n012');
    expect(result.stdoutTruncated).toBe(true);
    expect(streamed).toBe(100);
  });

  it('writes stdin and closes it', async () => {
    const opener = new FakeOpener();
    opener.onOpen = (ch) => ch.finish(0);
    await runRemoteCommand(opener, ['docker', 'login', '--password-stdin'], {
      stdin: 'secret',
    });
    expect(opener.channels[0].stdin).toEqual(['secret']);
  });

  it('abort kills the process group (pid from the first line) before rejecting with CANCELLED', async () => {
    const opener = new FakeOpener();
    const controller = new AbortController();
    const events: string[] = [];
    opener.onOpen = (ch, command) => {
      if (command.startsWith('echo __tomo_pid=')) {
        ch.out('__tomo_pid=31337\n');
        setImmediate(() => controller.abort());
        return;
      }
      events.push(`kill:${command}`);
      // The kill "works": the command's channel reports the signal, then the kill exits.
      opener.channels[0].finish(null, 'SIGTERM');
      events.push('main closed');
      ch.finish(0);
    };
    const run = runRemoteCommand(opener, ['sleep', '300'], {
      signal: controller.signal,
    });
    await expect(run).rejects.toMatchObject({ code: ErrorCode.Cancelled });
    expect(events[0]).toMatch(/^kill:sh -c '.*' tomo-kill 31337 \d+$/);
    expect(events).toContain('main closed');
  });

  it('an abort while the channel is still opening is not lost: the command is killed once it runs', async () => {
    const opener = new FakeOpener();
    const controller = new AbortController();
    const open = opener.openExec.bind(opener);
    // The abort lands after the runner asked for a channel and before it has one (a busy
    // event loop, or a wait for a free slot): no 'abort' event will come after that.
    opener.openExec = (command: string) => {
      if (command.startsWith('echo __tomo_pid=')) controller.abort();
      return open(command);
    };
    opener.onOpen = (ch, command) => {
      if (command.startsWith('echo __tomo_pid=')) {
        ch.out('__tomo_pid=4242\n');
        return;
      }
      opener.channels[0].finish(null, 'SIGTERM');
      ch.finish(0);
    };
    await expect(runRemoteCommand(opener, ['sleep', '300'], { signal: controller.signal })).rejects.toMatchObject({
      code: ErrorCode.Cancelled,
    });
    expect(opener.commands[1]).toMatch(/tomo-kill 4242 \d+$/);
  });

  it('a timeout does the same with STEP_TIMEOUT', async () => {
    const opener = new FakeOpener();
    opener.onOpen = (ch, command) => {
      if (command.startsWith('echo')) {
        ch.out('__tomo_pid=99\n');
        return;
      }
      opener.channels[0].finish(null, 'SIGTERM');
      ch.finish(0);
    };
    await expect(runRemoteCommand(opener, ['sleep', '300'], { timeoutMs: 20 })).rejects.toMatchObject({
      code: ErrorCode.StepTimeout,
      message: expect.stringContaining('`sleep`'),
    });
    expect(opener.commands).toHaveLength(2);
  });

  it('an already aborted signal opens no channel', async () => {
    const opener = new FakeOpener();
    await expect(runRemoteCommand(opener, ['true'], { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: ErrorCode.Cancelled,
    });
    expect(opener.commands).toEqual([]);
  });

  it('a channel closing without exit status means the connection was lost', async () => {
    const opener = new FakeOpener();
    opener.onOpen = (ch) => {
      ch.out('__tomo_pid=5\n');
      ch.close();
    };
    await expect(runRemoteCommand(opener, ['x'])).rejects.toMatchObject({
      code: ErrorCode.ServerUnreachable,
    });
  });

  it('rejects NUL before opening anything', async () => {
    const opener = new FakeOpener();
    await expect(runRemoteCommand(opener, ['echo', 'a\0b'])).rejects.toMatchObject({ code: ErrorCode.BadUserInput });
    expect(opener.commands).toEqual([]);
  });
});
