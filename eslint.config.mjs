import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** Test code: specs, test helpers next to them, and `testing/` folders (relative to each project). */
const TEST_FILES = ['**/*.spec.ts', '**/*.testing.ts', '**/testing/**/*.ts'];

/**
 * The architecture, enforced. Scope tags say where code may run (the console only uses what is
 * safe in a browser); type tags say which layer a project is, each using only the layers below:
 *   util (shared, config, ssh-keys) < ssh, infra (database, redis, secrets, settings)
 *   < engine (workflows, schedules) < feature (identity, servers, deployments, …)
 *   < platform (what the apps assemble from the features), worker (server-shell) < app.
 * The API loads no SSH connection code, not even through a library (a transitive rule): SSH
 * connections and the decryption of credentials happen only in the worker (server-shell, which
 * implements the features' ServerCommands); the API validates keys with @tomo/ssh-keys.
 * Test files may start an in-process worker: they may use ssh and worker libraries.
 */
function moduleBoundaries({ testFiles }) {
  const belowApps = ['type:util', 'type:infra', 'type:engine', 'type:feature', 'type:platform', 'type:testing'];
  const workerSide = ['type:ssh', 'type:worker'];
  return [
    'error',
    {
      enforceBuildableLibDependency: true,
      allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$', '^.*/package\\.json$', '^.*/tools/webpack/.*$'],
      depConstraints: [
        { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
        { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:shared'] },
        {
          sourceTag: 'scope:server',
          onlyDependOnLibsWithTags: ['scope:server', 'scope:shared', 'scope:testing'],
        },
        { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['scope:server', 'scope:shared'] },
        // Libraries' own specs may use the test helpers (the no-restricted-imports rule below keeps
        // them out of production files).
        { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:testing'] },
        { sourceTag: 'type:ssh', onlyDependOnLibsWithTags: ['type:util', 'type:testing'] },
        { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:util', 'type:infra', 'type:testing'] },
        {
          sourceTag: 'type:engine',
          onlyDependOnLibsWithTags: ['type:util', 'type:infra', 'type:engine', 'type:testing'],
        },
        {
          sourceTag: 'type:feature',
          onlyDependOnLibsWithTags: [
            'type:util',
            'type:infra',
            'type:engine',
            'type:feature',
            'type:testing',
            ...(testFiles ? workerSide : []),
          ],
        },
        {
          sourceTag: 'type:worker',
          onlyDependOnLibsWithTags: [
            'type:util',
            'type:ssh',
            'type:infra',
            'type:engine',
            'type:feature',
            'type:testing',
          ],
        },
        {
          sourceTag: 'type:platform',
          onlyDependOnLibsWithTags: ['type:util', 'type:infra', 'type:engine', 'type:feature', 'type:testing'],
        },
        { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:util', 'type:infra', 'type:engine'] },
        testFiles
          ? { sourceTag: 'scope:api', onlyDependOnLibsWithTags: [...belowApps, ...workerSide] }
          : { sourceTag: 'scope:api', onlyDependOnLibsWithTags: belowApps, notDependOnLibsWithTags: ['type:ssh'] },
        { sourceTag: 'type:app', onlyDependOnLibsWithTags: [...belowApps, ...workerSide] },
        // End-to-end tests drive the built apps; they borrow only test helpers (testbed, GraphQL).
        { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:util'] },
      ],
    },
  ];
}

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/node_modules', '**/tmp'],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx'],
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries({ testFiles: false }) },
  },
  {
    // Tests may start an in-process worker (servers.testing.ts, deployments' testing module).
    files: TEST_FILES,
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries({ testFiles: true }) },
  },
  {
    files: ['**/*.ts'],
    ignores: TEST_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@tomo/testing',
              message: 'Only specs (*.spec.ts) and test helpers (testing/ folders, *.testing.ts) use @tomo/testing.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
];
