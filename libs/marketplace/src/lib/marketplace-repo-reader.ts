import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { type AppDefinition } from './app-definition';
import { MAX_APP_FILE_BYTES, type MarketplaceFileError, parseAppDefinition } from './app-definition-parser';

/** A valid app and the file it came from (relative to the repository root, `/`-separated). */
export interface RepoApp {
  app: AppDefinition;
  file: string;
}

export interface RepoReadResult {
  apps: RepoApp[];
  errors: MarketplaceFileError[];
  /** Where the list of apps came from. */
  source: 'manifest' | 'directory';
}

const MANIFEST = 'manifest.json';
const APP_FILE = 'app.yaml';
/** A repository with more apps than this is refused past the limit (the real one has ~200). */
export const MAX_APPS_PER_REPO = 2_000;
/** manifest.json larger than this is not read (the real one is ~30 KiB for ~200 apps). */
export const MAX_MANIFEST_BYTES = 512 * 1024;

/**
 * Reads a checked-out marketplace repository: the apps that `manifest.json` lists when it
 * exists (each entry's `path` is the app's folder, or its app.yaml), otherwise every
 * `apps/<category>/<id>/app.yaml`. Never throws for the content: a file that cannot be read,
 * parsed or validated, a duplicate id, or a manifest entry pointing outside the repository
 * becomes an error for that file, and the other apps are still returned.
 */
export async function readMarketplaceRepo(rootDir: string): Promise<RepoReadResult> {
  const root = await realpath(rootDir);
  const errors: MarketplaceFileError[] = [];
  const manifestFiles = await readManifest(root, errors);
  const files = manifestFiles ?? (await walkAppFiles(root));
  const apps: RepoApp[] = [];
  const seen = new Map<string, string>();
  for (const file of files.slice(0, MAX_APPS_PER_REPO)) {
    const text = await readRepoFile(root, file, errors);
    if (text === null) continue;
    const result = parseAppDefinition(text, file);
    if (!result.ok) {
      errors.push(...result.errors);
      continue;
    }
    const first = seen.get(result.app.id);
    if (first !== undefined) {
      errors.push(fileError(file, `/id ${result.app.id} is already used by ${first}`));
      continue;
    }
    seen.set(result.app.id, file);
    apps.push({ app: result.app, file });
  }
  if (files.length > MAX_APPS_PER_REPO) {
    errors.push(
      fileError(manifestFiles ? MANIFEST : 'apps', `lists more than ${MAX_APPS_PER_REPO} apps; the rest were not read`),
    );
  }
  return { apps, errors, source: manifestFiles ? 'manifest' : 'directory' };
}

/** The app files manifest.json lists, or null when there is no usable manifest. */
async function readManifest(root: string, errors: MarketplaceFileError[]): Promise<string[] | null> {
  let text: string;
  try {
    // Sized before it is read: a repository decides how big the file is.
    if ((await stat(join(root, MANIFEST))).size > MAX_MANIFEST_BYTES) {
      errors.push(
        fileError(MANIFEST, `is larger than ${MAX_MANIFEST_BYTES / 1024} KiB; reading apps/*/*/app.yaml instead`),
      );
      return null;
    }
    text = await readFile(join(root, MANIFEST), 'utf8');
  } catch {
    return null;
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    errors.push(
      fileError(
        MANIFEST,
        `is not valid JSON (${error instanceof Error ? error.message : String(error)}); reading apps/*/*/app.yaml instead`,
      ),
    );
    return null;
  }
  const entries = isRecord(manifest) ? manifest['apps'] : undefined;
  if (!Array.isArray(entries)) {
    errors.push(fileError(MANIFEST, '/apps must be array; reading apps/*/*/app.yaml instead'));
    return null;
  }
  // Past the app limit nothing more is read (readMarketplaceRepo reports the excess); a Set keeps
  // de-duplication linear.
  const files = new Set<string>();
  entries.slice(0, MAX_APPS_PER_REPO + 1).forEach((entry: unknown, index) => {
    const path = isRecord(entry) ? entry['path'] : undefined;
    const file = typeof path === 'string' ? manifestPathToFile(path) : null;
    if (file === null) {
      errors.push(fileError(MANIFEST, `/apps/${index}/path must be a relative path inside the repository`));
    } else {
      files.add(file);
    }
  });
  return [...files];
}

/** `apps/utility/heimdall` or `apps/utility/heimdall/app.yaml` → the app.yaml path, or null when it leaves the repository. */
function manifestPathToFile(path: string): string | null {
  if (path === '' || isAbsolute(path) || path.includes('\\') || path.includes('\0')) return null;
  const normalized = normalize(path).split(sep).join('/').replace(/\/+$/, '');
  if (normalized === '.' || normalized === '..' || normalized.startsWith('../')) return null;
  return /\.ya?ml$/.test(normalized) ? normalized : `${normalized}/${APP_FILE}`;
}

/** `apps/<category>/<id>/app.yaml`, sorted; symbolic links are not followed. */
async function walkAppFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const category of await directories(join(root, 'apps'))) {
    for (const app of await directories(join(root, 'apps', category))) {
      files.push(`apps/${category}/${app}/${APP_FILE}`);
    }
  }
  return files;
}

async function directories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * A file's text, if it is a regular file inside the repository (a symbolic link that leads
 * out of it, or a huge file, is reported rather than read).
 */
async function readRepoFile(root: string, file: string, errors: MarketplaceFileError[]): Promise<string | null> {
  const path = join(root, file);
  try {
    const real = await realpath(path);
    const inside = relative(root, real);
    if (inside.startsWith('..') || isAbsolute(inside)) {
      errors.push(fileError(file, 'leads outside the repository'));
      return null;
    }
    const stats = await lstat(real);
    if (!stats.isFile()) {
      errors.push(fileError(file, 'is not a file'));
      return null;
    }
    if (stats.size > MAX_APP_FILE_BYTES) {
      errors.push(fileError(file, `is larger than ${MAX_APP_FILE_BYTES / 1024} KiB`));
      return null;
    }
    return await readFile(real, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    errors.push(fileError(file, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`));
    return null;
  }
}

function fileError(file: string, message: string): MarketplaceFileError {
  return { file, message: `${file}: ${message}` };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
