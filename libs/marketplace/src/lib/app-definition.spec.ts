import {
  isSecretEnvName,
  networkFromNames,
  parseImageReference,
  sizeToBytes,
  splitCommandLine,
} from './app-definition';

describe('splitCommandLine', () => {
  it.each([
    ['sleep infinity', ['sleep', 'infinity']],
    ['  httpd   -f  -p 8080 ', ['httpd', '-f', '-p', '8080']],
    [`sh -c 'echo "a b" && exit 0'`, ['sh', '-c', 'echo "a b" && exit 0']],
    [`echo "say \\"hi\\" \\$HOME \\n"`, ['echo', 'say "hi" $HOME \\n']],
    [`a\\ b c`, ['a b', 'c']],
    [`--flag='' ""`, ['--flag=', '']],
    [`pre'quoted'post`, ['prequotedpost']],
    [`$HOME ~ *.txt`, ['$HOME', '~', '*.txt']],
    ['', []],
  ])('splits %j', (line, args) => {
    expect(splitCommandLine(line)).toEqual(args);
  });

  it.each([`sh -c 'echo`, `echo "unterminated`, `echo "a\\"`])('refuses the unterminated %j', (line) => {
    expect(splitCommandLine(line)).toBeNull();
  });
});

describe('parseImageReference', () => {
  it.each([
    ['alpine:3.19', null, 'alpine', '3.19'],
    ['louislam/uptime-kuma:1.23.16', null, 'louislam/uptime-kuma', '1.23.16'],
    ['lscr.io/linuxserver/heimdall:v2.6.3-ls283', 'lscr.io', 'lscr.io/linuxserver/heimdall', 'v2.6.3-ls283'],
    ['127.0.0.1:5000/tomo/busybox:2', '127.0.0.1:5000', '127.0.0.1:5000/tomo/busybox', '2'],
    ['localhost/app:1.0', 'localhost', 'localhost/app', '1.0'],
  ])('splits %s', (reference, registry, repository, tag) => {
    expect(parseImageReference(reference)).toEqual({ reference, registry, repository, tag });
  });

  it('refuses a reference without a tag', () => {
    expect(() => parseImageReference('127.0.0.1:5000/app')).toThrow('has no tag');
  });
});

describe('networkFromNames', () => {
  it('reads Docker network modes and user networks', () => {
    expect(networkFromNames([])).toEqual({ mode: 'bridge', networks: [] });
    expect(networkFromNames(['backend', 'bridge', 'frontend'])).toEqual({
      mode: 'bridge',
      networks: ['backend', 'frontend'],
    });
    expect(networkFromNames(['host'])).toEqual({ mode: 'host', networks: [] });
    expect(networkFromNames(['none'])).toEqual({ mode: 'none', networks: [] });
  });
});

describe('sizeToBytes', () => {
  it('uses binary units', () => {
    expect(sizeToBytes('128MB')).toBe(134_217_728);
    expect(sizeToBytes('1GB')).toBe(1_073_741_824);
    expect(sizeToBytes('2TB')).toBe(2 * 1024 ** 4);
    expect(() => sizeToBytes('1.5GB')).toThrow();
  });
});

describe('isSecretEnvName', () => {
  it.each([
    'WEBPASSWORD',
    'DB_PASSWD',
    'APP_SECRET',
    'GITHUB_TOKEN',
    'OPENAI_API_KEY',
    'APIKEY',
    'SSH_PRIVATE_KEY',
    'AWS_CREDENTIALS',
  ])('treats %s as secret', (name) => expect(isSecretEnvName(name)).toBe(true));
  it.each(['TZ', 'PUID', 'TOMO_SERVER_URL', 'KEYBOARD_LAYOUT', 'LOG_LEVEL'])('treats %s as plain', (name) =>
    expect(isSecretEnvName(name)).toBe(false),
  );
});
