const nxPreset = require('@nx/jest/preset').default;

// Project test targets run unit tests only; `*.integration.spec.ts` files need the real
// servers and run through jest.integration.config.cts.
module.exports = {
  ...nxPreset,
  testPathIgnorePatterns: ['/node_modules/', '\\.integration\\.spec\\.ts$', '\\.e2e\\.spec\\.ts$'],
};
