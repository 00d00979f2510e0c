import { StringDecoder } from 'node:string_decoder';
import { ErrorCode, TomoException } from '@tomo/shared';
import type { ClientChannel } from 'ssh2';
import type { OutputStream, RemoteCommandOptions, RemoteCommandResult } from '@tomo/ssh-keys';
import { quoteShellCommand } from './shell-quote';

/**
 * How the runner gets channels: the pool implements it (with its channel limit and
 * reconnects). `command` is always built here from quoted parts, never from caller strings.
 * `urgent` channels (the kill) may use the slots kept in reserve above the channel limit.
 */
export interface ExecChannelOpener {
  openExec(command: string, options: { urgent: boolean }): Promise<ClientChannel>;
  /** Error to raise when a channel closes without an exit status (the connection broke). */
  lostConnectionError(detail: string): Error;
}

export const DEFAULT_MAX_CAPTURE_BYTES = 1024 * 1024;
const DEFAULT_KILL_GRACE_MS = 2_000;
const KILL_CHANNEL_TIMEOUT_MS = 15_000;
/** First stdout line of every command: the remote shell's pid, which is also its process group. */
const PID_MARKER = '__tomo_pid=';

/**
 * sshd runs each exec request in a new session (setsid) with the login shell as its leader,
 * so `$$` is the process group id of everything the command starts: the kill targets the
 * group. The command follows as a plain simple command, not `exec`: the shell then runs it
 * exactly as a bare `ssh host cmd` would (builtins such as `true` stay builtins; dash vforks
 * and bash execs the last command), so the wrapper costs one builtin `echo`, nothing more.
 * Only literal text and quoted argv here.
 */
export function wrapCommand(argv: readonly string[]): string {
  return `echo ${PID_MARKER}$$; ${quoteShellCommand(argv)}`;
}

/** TERM the group, wait up to `grace`, then KILL it. pid and grace are integers we made. */
const KILL_SCRIPT =
  'kill -TERM -"$1" 2>/dev/null || exit 0; i=0; ' +
  'while [ "$i" -lt "$2" ]; do kill -0 -"$1" 2>/dev/null || exit 0; sleep 0.1; i=$((i+1)); done; ' +
  'kill -KILL -"$1" 2>/dev/null; exit 0';

export function killCommand(pgid: number, graceMs: number): string {
  if (!Number.isSafeInteger(pgid) || pgid <= 1) throw new Error(`Refusing to kill process group ${pgid}`);
  const rounds = Math.max(0, Math.ceil(graceMs / 100));
  return quoteShellCommand(['sh', '-c', KILL_SCRIPT, 'tomo-kill', String(pgid), String(rounds)]);
}

/** Splits a byte stream into UTF-8 lines; keeps a bounded copy of it for the result. */
class LineCollector {
  private readonly lineDecoder = new StringDecoder('utf8');
  private readonly captureDecoder = new StringDecoder('utf8');
  private partial = '';
  private captured = '';
  private capturedBytes = 0;
  truncated = false;

  constructor(
    private readonly stream: OutputStream,
    private readonly maxBytes: number,
    private readonly onLine: ((line: string, stream: OutputStream) => void) | undefined,
  ) {}

  push(chunk: Buffer): void {
    this.capture(chunk);
    this.emitLines(this.lineDecoder.write(chunk));
  }

  /** Flushes the last line (output that did not end in a newline) and the capture. */
  end(): void {
    this.emitLines(this.lineDecoder.end());
    if (this.partial !== '') {
      const last = this.partial;
      this.partial = '';
      this.onLine?.(last, this.stream);
    }
    this.captured += this.captureDecoder.end();
  }

  text(): string {
    return this.captured;
  }

  private capture(chunk: Buffer): void {
    const room = this.maxBytes - this.capturedBytes;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.capturedBytes += part.length;
    // A stateful decoder: a multi-byte character may be split across chunks.
    this.captured += this.captureDecoder.write(part);
  }

  private emitLines(text: string): void {
    if (text === '') return;
    const pieces = (this.partial + text).split('\n');
    this.partial = pieces.pop() ?? '';
    for (const line of pieces) this.onLine?.(line.endsWith('\r') ? line.slice(0, -1) : line, this.stream);
  }
}

/**
 * Until the pid line has been seen, stdout is scanned for it; anything a login script printed
 * before it is passed through as ordinary output.
 */
class PidLineParser {
  private buffer = Buffer.alloc(0);
  pid: number | null = null;
  done = false;

  /** Returns the bytes that are command output. */
  push(chunk: Buffer): Buffer {
    if (this.done) return chunk;
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const nl = this.buffer.indexOf(0x0a);
      if (nl === -1) {
        // A pathological login banner without newline: give up looking after 64 KiB.
        if (this.buffer.length > 65_536) {
          this.done = true;
          out.push(this.buffer);
          this.buffer = Buffer.alloc(0);
        }
        return Buffer.concat(out);
      }
      const line = this.buffer.subarray(0, nl).toString('latin1');
      const rest = this.buffer.subarray(nl + 1);
      if (line.startsWith(PID_MARKER) && /^\d+$/.test(line.slice(PID_MARKER.length))) {
        this.pid = Number(line.slice(PID_MARKER.length));
        this.done = true;
        this.buffer = Buffer.alloc(0);
        out.push(rest);
        return Buffer.concat(out);
      }
      out.push(this.buffer.subarray(0, nl + 1));
      this.buffer = rest;
    }
  }

  flush(): Buffer {
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    this.done = true;
    return rest;
  }
}

function describeProgram(argv: readonly string[]): string {
  // Only the program name: arguments may hold values the user considers secret.
  return `\`${argv[0]}\``;
}

/**
 * Runs `argv` over a fresh channel. Resolves with the exit status whatever it is (callers
 * decide what a non-zero status means); rejects with CANCELLED (signal), STEP_TIMEOUT
 * (timeoutMs) or SERVER_UNREACHABLE (the connection broke). On cancel and timeout the remote
 * process group is terminated before the promise settles.
 */
export async function runRemoteCommand(
  opener: ExecChannelOpener,
  argv: readonly string[],
  options: RemoteCommandOptions = {},
): Promise<RemoteCommandResult> {
  const command = wrapCommand(argv);
  const { signal } = options;
  if (signal?.aborted) throw cancelledError(argv);

  const started = Date.now();
  const channel = await opener.openExec(command, { urgent: false });
  const maxBytes = options.maxCaptureBytes ?? DEFAULT_MAX_CAPTURE_BYTES;
  const out = new LineCollector('stdout', maxBytes, options.onOutput);
  const err = new LineCollector('stderr', maxBytes, options.onOutput);
  const pidParser = new PidLineParser();

  return new Promise<RemoteCommandResult>((resolve, reject) => {
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let sawExit = false;
    let stopError: Error | null = null;
    let killStarted = false;
    let killDone: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;

    const cleanup = (): void => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };

    const startKill = (): void => {
      if (killStarted || pidParser.pid === null) return;
      killStarted = true;
      killDone = killProcessGroup(opener, pidParser.pid, options.killGraceMs ?? DEFAULT_KILL_GRACE_MS).finally(() => {
        // The process is gone (or the connection is); close our side too.
        closeQuietly(channel);
      });
    };

    const stop = (error: Error): void => {
      if (stopError || sawExit) return;
      stopError = error;
      if (pidParser.pid !== null) startKill();
      else {
        // No pid yet: the shell has not even printed it. Closing the channel makes sshd
        // send SIGHUP-less EOF; we still kill as soon as the pid arrives (see onStdout).
        setTimeout(() => {
          if (!killStarted) closeQuietly(channel);
        }, 5_000).unref();
      }
    };

    function onAbort(): void {
      stop(cancelledError(argv));
    }

    signal?.addEventListener('abort', onAbort, { once: true });
    // An abort that came while the channel was opening fired no event we could hear: the
    // command is running now, so stop it (it is killed as soon as its pid line arrives).
    if (signal?.aborted) onAbort();
    if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
      const ms = options.timeoutMs;
      timer = setTimeout(() => stop(timeoutError(argv, ms)), ms);
    }

    channel.on('data', (chunk: Buffer) => {
      const hadPid = pidParser.pid !== null;
      const rest = pidParser.push(chunk);
      if (!hadPid && pidParser.pid !== null && stopError) startKill();
      if (rest.length > 0) out.push(rest);
    });
    channel.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    channel.on('exit', (code: number | null, sig?: string) => {
      sawExit = true;
      exitCode = typeof code === 'number' ? code : null;
      exitSignal = typeof sig === 'string' ? sig : null;
    });
    channel.on('error', () => {
      // Surfaces as a close without exit status below.
    });
    // ssh2 may have parsed exit-status, EOF and close in the same TCP read as the exec reply,
    // i.e. before this code ran: the 'exit' event is then gone, but close repeats its values.
    channel.on('close', (code?: number | null, sig?: string) => {
      if (!sawExit && (typeof code === 'number' || typeof sig === 'string')) {
        sawExit = true;
        exitCode = typeof code === 'number' ? code : null;
        exitSignal = typeof sig === 'string' ? sig : null;
      }
      const leftover = pidParser.flush();
      if (leftover.length > 0) out.push(leftover);
      out.end();
      err.end();
      cleanup();
      const result: RemoteCommandResult = {
        exitCode,
        exitSignal,
        stdout: out.text(),
        stderr: err.text(),
        stdoutTruncated: out.truncated,
        stderrTruncated: err.truncated,
        durationMs: Date.now() - started,
      };
      const failure = stopError;
      if (failure) {
        // Settle only once the kill has run, so "cancelled" means "no longer running".
        void killDone.then(() => reject(failure));
        return;
      }
      if (!sawExit) {
        reject(
          opener.lostConnectionError(`the channel running ${describeProgram(argv)} closed without an exit status`),
        );
        return;
      }
      resolve(result);
    });

    if (options.stdin !== undefined) channel.end(options.stdin);
    else channel.end();
  });
}

async function killProcessGroup(opener: ExecChannelOpener, pgid: number, graceMs: number): Promise<void> {
  let channel: ClientChannel;
  try {
    channel = await opener.openExec(killCommand(pgid, graceMs), {
      urgent: true,
    });
  } catch {
    // The connection is gone: the kill cannot be delivered now. Nothing better to do here;
    // the caller still gets its CANCELLED/STEP_TIMEOUT.
    return;
  }
  await new Promise<void>((resolve) => {
    const guard = setTimeout(() => {
      closeQuietly(channel);
      resolve();
    }, graceMs + KILL_CHANNEL_TIMEOUT_MS);
    channel.resume();
    channel.stderr.resume();
    channel.once('close', () => {
      clearTimeout(guard);
      resolve();
    });
    channel.end();
  });
}

function closeQuietly(channel: ClientChannel): void {
  try {
    channel.close();
  } catch {
    // already closed
  }
}

function cancelledError(argv: readonly string[]): TomoException {
  return new TomoException(ErrorCode.Cancelled, `Remote command ${describeProgram(argv)} was cancelled`);
}

function timeoutError(argv: readonly string[], ms: number): TomoException {
  return new TomoException(
    ErrorCode.StepTimeout,
    `Remote command ${describeProgram(argv)} did not finish within ${ms} ms and was killed`,
  );
}
