const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

module.exports = {
  output: {
    path: join(__dirname, '../../dist/apps/api'),
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
      tsConfig: './tsconfig.app.json',
      assets: [
        // The common-password list the password policy reads at run time.
        { input: 'libs/identity/src/assets', glob: '*.txt.gz', output: 'assets' },
        // The built-in marketplace catalog (see BUILT_IN_CATALOG_DIR).
        { input: 'libs/marketplace/catalog', glob: '**/*', output: 'assets/marketplace-catalog' },
      ],
      optimization: false,
      outputHashing: 'none',
      generatePackageJson: false,
      sourceMap: true,
    }),
  ],
};
