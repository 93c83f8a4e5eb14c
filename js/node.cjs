'use strict';
// Node.js, CommonJS: require('external-ip-lookup-rule'). The nodejs glue instantiates the module
// synchronously on load, so the API is ready at once.
const bindings = require('../pkg/node/external_ip_lookup_rule.js');
const { makeApi } = require('./api.cjs');

module.exports = makeApi(bindings);
// The stream API loads node:stream and the alert builder on first use: most users never call it,
// and loading them took about as long as instantiating the module.
module.exports.createScanner = function createScanner(options) {
  return require('./stream.cjs').createScanner(options);
};
