import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';

/** Runs git in `dir` for a test repository, with a fixed identity and no user or system config. */
export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Tomo Test',
      GIT_AUTHOR_EMAIL: 'test@tomo.invalid',
      GIT_COMMITTER_NAME: 'Tomo Test',
      GIT_COMMITTER_EMAIL: 'test@tomo.invalid',
    },
  });
}

/** Copies `source` into `dir` and makes it a git repository with one commit on `branch`. Tests only. */
export function createGitRepo(source: string, dir: string, branch = 'main'): void {
  cpSync(source, dir, { recursive: true });
  gitIn(dir, 'init', '--quiet', `--initial-branch=${branch}`);
  commitAll(dir, 'initial');
}

/** Commits everything in the working tree of a test repository. */
export function commitAll(dir: string, message: string): string {
  gitIn(dir, 'add', '--all');
  gitIn(dir, 'commit', '--quiet', '--allow-empty', '-m', message);
  return gitIn(dir, 'rev-parse', 'HEAD').trim();
}
