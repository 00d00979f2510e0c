// The webpack config every NestJS app of the workspace shares: one Node bundle per app in
// dist/apps/<name>, node_modules left external, plus the run-time assets it names.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

/** Run-time files the libraries read from `<bundle>/assets`. */
const ASSETS = {
  // The common-password list the password policy reads.
  passwordList: { input: 'libs/identity/src/assets', glob: '*.txt.gz', output: 'assets' },
  // The built-in marketplace catalog (see BUILT_IN_CATALOG_DIR).
  marketplaceCatalog: { input: 'libs/marketplace/catalog', glob: '**/*', output: 'assets/marketplace-catalog' },
};

/** `extraEntries`: more bundles of the same app, `{ name: source path from the workspace root }`. */
function nestAppWebpackConfig(appName, assetNames, extraEntries = {}) {
  return {
    output: {
      path: join(__dirname, '../../dist/apps', appName),
      clean: true,
      ...(process.env.NODE_ENV !== 'production' && {
        devtoolModuleFilenameTemplate: '[absolute-resource-path]',
      }),
    },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        additionalEntryPoints: Object.entries(extraEntries).map(([entryName, entryPath]) => ({ entryName, entryPath })),
        tsConfig: './tsconfig.app.json',
        assets: assetNames.map((name) => ASSETS[name]),
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: false,
        sourceMap: true,
      }),
    ],
  };
}

module.exports = { nestAppWebpackConfig };
