'use strict';
// A worker thread of `--workers N`: compiles the rule once, then judges batches and sends their
// output back already serialized, piece by piece: each piece waits for the main thread to take
// the one before (an `ack`), so that a batch whose output is far larger than its input (verdicts)
// never piles up in memory.
const { parentPort, workerData } = require('node:worker_threads');
const { compileRule } = require('../js/node.cjs');
const { Engine } = require('../js/engine.cjs');

const rule = compileRule(workerData.ruleOptions);
const engine = new Engine(rule, { ...workerData.engineOptions, serialize: true });

let acked = null;
const jobs = [];
let busy = false;

async function runJob(msg) {
  const bytes = Buffer.from(msg.buffer, msg.offset, msg.length);
  const it = engine.judge({ bytes, firstLine: msg.firstLine, lineMap: msg.lineMap, posMap: msg.posMap, file: msg.file });
  let r;
  while (!(r = it.next()).done) {
    const ack = new Promise((resolve) => (acked = resolve));
    parentPort.postMessage({ id: msg.id, part: r.value });
    await ack;
  }
  // The batch's buffer goes back with the result, to be filled again.
  parentPort.postMessage({ id: msg.id, result: r.value, buffer: msg.buffer }, [msg.buffer]);
}

async function drain() {
  busy = true;
  while (jobs.length) {
    const msg = jobs.shift();
    try {
      await runJob(msg);
    } catch (err) {
      parentPort.postMessage({ id: msg.id, error: { message: String(err && err.message), stack: err && err.stack } });
    }
  }
  busy = false;
}

parentPort.on('message', (msg) => {
  if (msg.ack) {
    const a = acked;
    acked = null;
    if (a) a();
    return;
  }
  jobs.push(msg);
  if (!busy) drain();
});
