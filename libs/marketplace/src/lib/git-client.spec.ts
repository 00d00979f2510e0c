import { ErrorCode, TomoException } from '@tomo/shared';
import { redactUrlCredentials, validateBranch, validateRepoUrl } from './git-client';

function rejection(fn: () => unknown): TomoException {
  try {
    fn();
  } catch (error) {
    if (error instanceof TomoException) return error;
    throw error;
  }
  throw new Error('expected a TomoException');
}

describe('validateRepoUrl', () => {
  it.each([
    'https://github.com/cbabil/tomo-marketplace.git',
    'https://gitlab.example.com:8443/group/sub/repo',
    'https://token@github.com/owner/repo.git',
    'ssh://git@github.com/owner/repo.git',
    'ssh://git@git.example.com:2222/srv/repo.git',
    'git@github.com:owner/repo.git',
    'deploy@git.example.com:/srv/git/market.git',
    '/srv/marketplace',
    '/tmp/tomo-marketplace-test/',
  ])('accepts %s', (url) => {
    expect(validateRepoUrl(`  ${url} `)).toBe(url);
  });

  it.each([
    ['', 'Repository URL must not be empty'],
    ['-uhttps://x', 'must not start with "-"'],
    ['--upload-pack=touch /tmp/pwned', 'must not contain spaces'],
    ['ext::sh -c touch% /tmp/pwned', 'must not contain spaces'],
    ['ext::ssh', 'must not use a git transport prefix such as file:: or ext::'],
    ['file::/srv/repo', 'must not use a git transport prefix'],
    ['file:///srv/repo', 'scheme file:// is not allowed'],
    ['http://github.com/owner/repo', 'scheme http:// is not allowed'],
    ['git://github.com/owner/repo', 'scheme git:// is not allowed'],
    ['https://user:secret@github.com/owner/repo', 'must not contain a password'],
    ['https://github.com/', 'must name a repository path'],
    ['git@-oProxyCommand=x:repo', 'must not have a part that starts with "-"'],
    ['github.com:owner/repo', 'is not accepted'],
    ['relative/path', 'is not accepted'],
    ['/srv/../etc', 'must be absolute and normalized'],
    ['https://github.com/a\nb', 'must not contain spaces or control characters'],
    [`https://github.com/${'a'.repeat(600)}`, 'at most 500 characters'],
  ])('refuses %j with BAD_USER_INPUT naming the problem', (url, message) => {
    const error = rejection(() => validateRepoUrl(url));
    expect(error.code).toBe(ErrorCode.BadUserInput);
    expect(error.message).toContain(message);
  });
});

describe('validateBranch', () => {
  it.each(['main', 'master', 'release/1.2', 'feature_x-y.z'])('accepts %s', (branch) => {
    expect(validateBranch(branch)).toBe(branch);
  });

  it.each([
    ['', 'must not be empty'],
    ['-main', 'must not start with'],
    ['--upload-pack=x', 'must not start with'],
    ['a..b', 'is not a valid git branch name'],
    ['a//b', 'is not a valid git branch name'],
    ['topic.lock', 'is not a valid git branch name'],
    ['main/', 'is not a valid git branch name'],
    ['ma in', 'may only contain'],
    ['main~1', 'may only contain'],
    ['HEAD@{1}', 'may only contain'],
  ])('refuses %j', (branch, message) => {
    const error = rejection(() => validateBranch(branch));
    expect(error.code).toBe(ErrorCode.BadUserInput);
    expect(error.message).toContain(message);
  });
});

describe('redactUrlCredentials', () => {
  it('hides user info of https URLs in git output', () => {
    expect(redactUrlCredentials("fatal: repository 'https://ghp_abc123@github.com/o/r/' not found")).toBe(
      "fatal: repository 'https://***@github.com/o/r/' not found",
    );
  });
});
