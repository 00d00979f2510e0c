import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const FILE_NAME = 'common-passwords.txt.gz';

/**
 * Where the list is: next to the bundle (`dist/apps/<app>/assets/`, copied there by the
 * webpack config of the API and the CLI) or in this library's sources (tests, ts-node).
 */
const CANDIDATES = [join(__dirname, 'assets', FILE_NAME), join(__dirname, '..', '..', 'assets', FILE_NAME)];

let cached: ReadonlySet<string> | undefined;

/**
 * The 19,640 most common passwords from breach corpora (Royce Williams' list of the top 20,000,
 * lowercased and deduplicated, as Django ships it), read once.
 */
export function commonPasswords(): ReadonlySet<string> {
  if (cached) return cached;
  const file = CANDIDATES.find((candidate) => existsSync(candidate));
  if (!file) throw new Error(`the common password list ${FILE_NAME} is missing (looked in ${CANDIDATES.join(', ')})`);
  const words = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
  cached = new Set(words.map((word) => word.trim().toLowerCase()).filter((word) => word !== ''));
  return cached;
}
