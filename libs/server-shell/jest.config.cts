module.exports = {
  displayName: 'server-shell',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  // Its tests need a real sshd: *.integration.spec.ts, run by jest.integration.config.cts.
  passWithNoTests: true,
  moduleFileExtensions: ['ts', 'js', 'html'],
  coverageDirectory: '../../coverage/libs/server-shell',
};
