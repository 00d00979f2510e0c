import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  // Every file here is test code: the support helpers use @tomo/testing too.
  { files: ['**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
];
