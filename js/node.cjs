'use strict';
// Node.js, CommonJS: require('external-ip-lookup-rule'). The nodejs glue instantiates the module
// synchronously on load, so the API is ready at once.
const path = require('node:path');
const { makeApi } = require('./api.cjs');

const GLUE = require.resolve('../pkg/node/external_ip_lookup_rule.js');
const PKG = path.dirname(GLUE) + path.sep;

// A new instance, after a trap: the glue (and the JS module it imports) loaded again, so that no
// state of the old instance is kept.
function renew() {
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(PKG)) delete require.cache[file];
  }
  return require(GLUE);
}

module.exports = makeApi(require(GLUE), renew);
// The stream API loads node:stream and the alert builder on first use: most users never call it,
// and loading them took about as long as instantiating the module.
module.exports.createScanner = function createScanner(options) {
  return require('./stream.cjs').createScanner(options);
};
