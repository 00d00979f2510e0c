import { readFileSync } from 'node:fs';

/** Drops the one line ending an editor or `echo` leaves at the end; other whitespace is part of the password. */
function withoutFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** The password from `--password-file`, or from standard input (typed without echo on a terminal). */
export async function readPassword(passwordFile: string | undefined): Promise<string> {
  if (passwordFile) {
    try {
      return withoutFinalNewline(readFileSync(passwordFile, 'utf8'));
    } catch (error) {
      throw new Error(
        `cannot read --password-file ${passwordFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  }
  if (process.stdin.isTTY) return promptHidden('Password: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return withoutFinalNewline(Buffer.concat(chunks).toString('utf8'));
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let typed = '';
    const onData = (key: string) => {
      for (const char of key) {
        if (char === '\r' || char === '\n') {
          done();
          resolve(typed);
          return;
        }
        if (char === '\u0003') {
          done();
          reject(new Error('cancelled'));
          return;
        }
        typed = char === '\u007f' ? typed.slice(0, -1) : typed + char;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}
