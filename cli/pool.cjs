'use strict';
// A pool of worker threads that judge batches. `run(batch)` gives a job whose output pieces
// are read in order (`for await (const piece of job.parts())`), each acknowledged as it is
// taken, then its result (`await job.result`). The caller keeps the jobs in input order, so
// output order never depends on which worker finishes first.
const path = require('node:path');
const { Worker } = require('node:worker_threads');

class Job {
  constructor(batch) {
    this.batch = batch;
    this.worker = null;
    this.queue = []; // messages not yet taken
    this.wake = null;
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.result.catch(() => {}); // read through parts() or awaited by the caller
    this.failed = null;
  }

  _message(m) {
    this.queue.push(m);
    if (this.wake) this.wake();
  }

  _fail(err) {
    this.failed = err;
    this.reject(err);
    if (this.wake) this.wake();
  }

  /** The output pieces, in order; then the result is settled. */
  async *parts() {
    for (;;) {
      while (this.queue.length === 0 && !this.failed) await new Promise((resolve) => (this.wake = resolve));
      this.wake = null;
      if (this.queue.length === 0) throw this.failed;
      const m = this.queue.shift();
      if (m.part !== undefined) {
        yield m.part;
        this.worker.postMessage({ ack: true });
      } else if (m.error) {
        const err = new Error(m.error.message);
        err.stack = m.error.stack;
        this._fail(err);
        throw err;
      } else {
        this.resolve(m.result);
        return;
      }
    }
  }
}

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
    this.jobs = new Map(); // id -> job
    this.nextId = 0;
    this.closed = false;
    for (let i = 0; i < size; i++) {
      // A small young generation keeps each worker's heap (and the process's RSS) low: a batch's
      // garbage is short-lived.
      const w = new Worker(path.join(__dirname, 'worker.cjs'), {
        workerData,
        resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 },
      });
      w.on('message', (m) => this._message(w, m));
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

  /** A job judging a batch { bytes, firstLine | lineMap (+ posMap), file, owned } in a worker. */
  run(batch) {
    const job = new Job(batch);
    const w = this.idle.pop();
    if (w) this._send(w, job);
    else this.queue.push(job);
    return job;
  }

  _send(w, job) {
    const id = ++this.nextId;
    job.worker = w;
    this.jobs.set(id, job);
    let bytes = job.batch.bytes;
    // The framers hand over buffers that own their memory; anything else is copied first.
    if (!job.batch.owned) bytes = new Uint8Array(bytes); // a copy that owns its memory
    const { buffer } = bytes;
    const b = job.batch;
    w.postMessage(
      {
        id,
        buffer,
        offset: bytes.byteOffset,
        length: bytes.length,
        firstLine: b.firstLine,
        lineMap: b.lineMap,
        posMap: b.posMap,
        file: b.file,
      },
      [buffer],
    );
    job.batch = null;
  }

  _message(w, m) {
    if (m.buffer) this.onBuffer(m.buffer);
    const job = this.jobs.get(m.id);
    if (!job) return;
    job._message(m);
    if (m.part !== undefined) return;
    this.jobs.delete(m.id);
    const next = this.queue.shift();
    if (next) this._send(w, next);
    else this.idle.push(w);
  }

  _fail(w, err) {
    for (const [id, job] of this.jobs) {
      if (job.worker === w) {
        this.jobs.delete(id);
        job._fail(err);
      }
    }
    for (const job of this.queue.splice(0)) job._fail(err);
  }

  async close() {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

module.exports = { WorkerPool };
