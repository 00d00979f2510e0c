const { nestAppWebpackConfig } = require('../../tools/webpack/nest-app.webpack');

module.exports = nestAppWebpackConfig('cli', ['passwordList']);
