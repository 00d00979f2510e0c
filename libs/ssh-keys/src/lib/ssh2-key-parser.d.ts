// ssh2's key parser module (what `utils.parseKey` of the package is), typed like `utils.parseKey`.
declare module 'ssh2/lib/protocol/keyParser.js' {
  import type { ParsedKey } from 'ssh2';

  export function parseKey(data: Buffer | string | ParsedKey, passphrase?: Buffer | string): ParsedKey | Error;
}
