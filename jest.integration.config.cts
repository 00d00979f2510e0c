/**
 * Integration tests: `*.integration.spec.ts` anywhere in the workspace. They use the real
 * Redis, SQLite/Postgres and the testbed (sshd, Docker engine, registry), so they run in one
 * worker process each file at a time where they share those servers.
 */
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

module.exports = {
  displayName: 'integration',
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs,tools}/**/*.integration.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tmp/', '<rootDir>/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/tmp/', '<rootDir>/dist/'],
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.integration.json' }],
  },
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 120_000,
  maxWorkers: 1,
};
