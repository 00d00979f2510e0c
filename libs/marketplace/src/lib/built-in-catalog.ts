import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Folder name of the catalog next to a bundle (`dist/apps/<app>/assets/marketplace-catalog`). */
const BUNDLED_NAME = 'marketplace-catalog';

/**
 * Where the catalog shipped with Tomo is: next to the bundle (the webpack configs of the API
 * and the worker copy `libs/marketplace/catalog` to `assets/marketplace-catalog`) or in this
 * library's sources (tests, ts-node). It is a marketplace repository like any other (manifest.json
 * + apps/<category>/<id>/app.yaml), read from disk instead of git.
 */
const SOURCE_DIR = join(__dirname, '..', '..', 'catalog');
const BUNDLED_DIR = join(__dirname, 'assets', BUNDLED_NAME);

export const BUILT_IN_CATALOG_DIR = existsSync(join(BUNDLED_DIR, 'manifest.json')) ? BUNDLED_DIR : SOURCE_DIR;

/** The built-in repository's fixed id and name: its apps are `builtin/<app id>`. */
export const BUILT_IN_REPO_ID = 'builtin';
export const BUILT_IN_REPO_NAME = 'builtin';
/** Stored as the built-in repository's url; never fetched. */
export const BUILT_IN_REPO_URL = 'builtin:catalog';
