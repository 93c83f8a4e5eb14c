'use strict';
// Node.js, CommonJS: require('external-ip-lookup-rule'). The nodejs glue instantiates the module
// synchronously on load, so the API is ready at once.
const bindings = require('../pkg/node/external_ip_lookup_rule.js');
const { makeApi } = require('./api.cjs');

module.exports = makeApi(bindings);
module.exports.createScanner = require('./stream.cjs').createScanner;
