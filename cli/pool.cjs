'use strict';
// A pool of worker threads that judge batches; `run(batch)` resolves with the batch's result.
// The caller keeps the promises in input order, so output order never depends on which worker
// finishes first.
const path = require('node:path');
const { Worker } = require('node:worker_threads');

class WorkerPool {
  /**
   * @param size number of threads
   * @param workerData { ruleOptions, engineOptions }
   * @param onBuffer receives each batch's ArrayBuffer back, for reuse
   */
  constructor(size, workerData, onBuffer = () => {}) {
    this.onBuffer = onBuffer;
    this.workers = [];
    this.idle = [];
    this.queue = [];
    this.jobs = new Map(); // id -> { job, worker }
    this.nextId = 0;
    this.closed = false;
    for (let i = 0; i < size; i++) {
      // A small young generation keeps each worker's heap (and the process's RSS) low: a batch's
      // garbage is short-lived.
      const w = new Worker(path.join(__dirname, 'worker.cjs'), {
        workerData,
        resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 },
      });
      w.on('message', (m) => this._done(w, m));
      w.on('error', (e) => this._fail(w, e));
      w.on('exit', (code) => {
        if (!this.closed && code !== 0) this._fail(w, new Error(`worker thread exited with code ${code}`));
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  get size() {
    return this.workers.length;
  }

  /** Judges a batch { bytes, firstLine | lineMap, file } in a worker. */
  run(batch) {
    return new Promise((resolve, reject) => {
      const job = { batch, resolve, reject };
      const w = this.idle.pop();
      if (w) this._send(w, job);
      else this.queue.push(job);
    });
  }

  _send(w, job) {
    const id = ++this.nextId;
    this.jobs.set(id, { job, worker: w });
    let bytes = job.batch.bytes;
    // The framers hand over buffers that own their memory; anything else is copied first.
    if (!job.batch.owned) bytes = new Uint8Array(bytes); // a copy that owns its memory
    const { buffer } = bytes;
    w.postMessage(
      { id, buffer, offset: bytes.byteOffset, length: bytes.length, firstLine: job.batch.firstLine, lineMap: job.batch.lineMap, file: job.batch.file },
      [buffer],
    );
  }

  _done(w, m) {
    if (m.buffer) this.onBuffer(m.buffer);
    const entry = this.jobs.get(m.id);
    if (!entry) return;
    this.jobs.delete(m.id);
    if (m.error) {
      const err = new Error(m.error.message);
      err.stack = m.error.stack;
      entry.job.reject(err);
    } else {
      entry.job.resolve(m.result);
    }
    const next = this.queue.shift();
    if (next) this._send(w, next);
    else this.idle.push(w);
  }

  _fail(w, err) {
    for (const [id, entry] of this.jobs) {
      if (entry.worker === w) {
        this.jobs.delete(id);
        entry.job.reject(err);
      }
    }
    for (const job of this.queue.splice(0)) job.reject(err);
  }

  async close() {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

module.exports = { WorkerPool };
