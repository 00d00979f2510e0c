/**
 * The image test (`npm run test:image`): builds the Dockerfile on the testbed's Docker engine
 * and runs the API and a worker from it. Minutes long, so kept out of `npm test`.
 */
const integration = require('./jest.integration.config.cts');

module.exports = {
  ...integration,
  displayName: 'image',
  testMatch: ['<rootDir>/tools/image/**/*.image.spec.ts'],
  testTimeout: 60 * 60_000,
};
