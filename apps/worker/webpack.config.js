const { nestAppWebpackConfig } = require('../../tools/webpack/nest-app.webpack');

// The catalog: a marketplace.sync of `builtin` re-reads it.
module.exports = nestAppWebpackConfig('worker', ['marketplaceCatalog']);
