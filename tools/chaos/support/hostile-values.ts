/**
 * Values a hostile or careless caller sends. `canary` is a file that only a value run as shell (or
 * as a command-line option of ssh, git, docker) could create: it must never appear. Every host, URL
 * and address stays on loopback: this machine may send no other traffic.
 */
export function hostileValues(canary: string): { label: string; value: unknown }[] {
  const touch = `touch ${canary}`;
  return [
    { label: 'empty', value: '' },
    { label: '1 MB', value: 'A'.repeat(1024 * 1024) },
    { label: 'unicode', value: 'Tømø 日本語 \u202Eevil\u202C 🐳 \uFEFF' },
    { label: 'NUL', value: 'chaos\u0000tail' },
    { label: 'newline', value: `chaos\n${touch}` },
    { label: '$()', value: `$(${touch})` },
    { label: 'backticks', value: `\`${touch}\`` },
    { label: '; chain', value: `chaos; ${touch}` },
    { label: 'quote break', value: `chaos'; ${touch}; echo '` },
    { label: 'double-quote break', value: `chaos"; ${touch}; echo "` },
    { label: 'pipe', value: `chaos | ${touch}` },
    { label: '../ path', value: '../../../../../etc/passwd' },
    { label: 'absolute path', value: '/etc/shadow' },
    { label: '--privileged', value: '--privileged' },
    { label: '-v /:/host', value: '-v /:/host' },
    { label: '--upload-pack', value: `--upload-pack=${touch}` },
    { label: 'ssh -o', value: `-oProxyCommand=${touch}` },
    { label: 'git ext::', value: `ext::sh -c ${touch.replaceAll(' ', '% ')}` },
    { label: 'file://', value: 'file:///etc' },
    { label: 'loopback URL with ../', value: 'http://127.0.0.1:9/../../etc/passwd' },
    {
      label: 'malformed key',
      value: '-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n',
    },
    { label: 'number', value: -1 },
    { label: 'huge number', value: 2 ** 53 },
    { label: 'fraction', value: 1.5 },
    { label: 'boolean', value: true },
    { label: 'null', value: null },
    { label: 'object', value: { $gt: '' } },
    { label: 'array', value: ['chaos', 1] },
  ];
}
