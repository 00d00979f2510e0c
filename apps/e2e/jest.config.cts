/**
 * End-to-end tests: `*.e2e.spec.ts`, driving the built API, worker and console in headless
 * Chromium. Not built on the workspace preset, which ignores e2e specs for unit runs.
 */
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('../../tsconfig.base.json');

module.exports = {
  displayName: 'e2e',
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.e2e.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  // Test helpers (@tomo/testing: testbed state, git fixtures) resolve like in the integration tier.
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/../../' }),
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Each spec file starts its own API, worker and browser: run them one at a time.
  maxWorkers: 1,
  testTimeout: 60_000,
};
