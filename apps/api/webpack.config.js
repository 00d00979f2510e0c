const { nestAppWebpackConfig } = require('../../tools/webpack/nest-app.webpack');

// mcp-stdio.js: the stdio MCP bridge (`npm run mcp:stdio`), shipped with the API.
module.exports = nestAppWebpackConfig('api', ['passwordList', 'marketplaceCatalog'], {
  'mcp-stdio': 'apps/api/src/mcp-stdio.ts',
});
