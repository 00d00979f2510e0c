import { join } from 'node:path';
import type { CommonConfig } from '@tomo/config';
import { BUILT_IN_CATALOG_DIR } from './built-in-catalog';

/** Optional settings of MarketplaceModule (tests and special installs). */
export interface MarketplaceOptions {
  /** Where the built-in catalog is read from; default: the one shipped with Tomo. */
  catalogDir?: string;
  /** Where repositories are checked out; default: `<DATA_DIR>/marketplace`. */
  checkoutRoot?: string;
}
export const MARKETPLACE_OPTIONS = Symbol('MARKETPLACE_OPTIONS');

/** Where the catalog is read from and repositories are checked out, defaults applied. */
export function marketplacePaths(config: CommonConfig, options?: MarketplaceOptions): Required<MarketplaceOptions> {
  return {
    catalogDir: options?.catalogDir ?? BUILT_IN_CATALOG_DIR,
    checkoutRoot: options?.checkoutRoot ?? join(config.dataDir, 'marketplace'),
  };
}
