/**
 * What running a command on a server promises, apart from the SSH code that does it
 * (`runRemoteCommand` of @tomo/ssh): the API's libraries declare steps and sessions with these
 * types without loading the connection code.
 */
export type OutputStream = 'stdout' | 'stderr';

export interface RemoteCommandOptions {
  /** Called with each complete output line (without its newline), in order per stream. */
  onOutput?: (line: string, stream: OutputStream) => void;
  /** Aborting closes the channel, kills the remote process group and rejects with CANCELLED. */
  signal?: AbortSignal;
  /** Same as an abort after this many ms, but rejects with STEP_TIMEOUT. */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed. Without it stdin is closed at once. */
  stdin?: string | Buffer;
  /** How much of each of stdout/stderr the result keeps (the callback sees everything). Default 1 MiB. */
  maxCaptureBytes?: number;
  /** After SIGTERM, how long the process group gets before SIGKILL. Default 2 s. */
  killGraceMs?: number;
}

export interface RemoteCommandResult {
  /** Exit status, or null when the process was killed by a signal. */
  exitCode: number | null;
  /** Signal name as Node spells it (e.g. `SIGKILL`) when the process died of one. */
  exitSignal: string | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  durationMs: number;
}
