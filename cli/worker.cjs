'use strict';
// A worker thread of `--workers N`: compiles the rule once, then judges batches and returns their
// output already serialized, so that the main thread only writes.
const { parentPort, workerData } = require('node:worker_threads');
const { compileRule } = require('../js/node.cjs');
const { Engine } = require('../js/engine.cjs');

const rule = compileRule(workerData.ruleOptions);
const engine = new Engine(rule, { ...workerData.engineOptions, serialize: true });

parentPort.on('message', (msg) => {
  try {
    const bytes = Buffer.from(msg.buffer, msg.offset, msg.length);
    const result = engine.processBatch({ bytes, firstLine: msg.firstLine, lineMap: msg.lineMap, file: msg.file });
    // The batch's buffer goes back with the result, to be filled again.
    parentPort.postMessage({ id: msg.id, result, buffer: msg.buffer }, [msg.buffer]);
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: { message: String(err && err.message), stack: err && err.stack } });
  }
});
