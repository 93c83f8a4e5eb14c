'use strict';
// Recycling batch buffers. A batch's ArrayBuffer goes to the engine (or, transferred, to a worker
// thread) and comes back when the batch is judged; reusing it keeps memory flat, where fresh
// buffers would pile up as garbage until the next full collection (hundreds of MB on a large
// input, most of all in worker threads).

class BufferPool {
  /**
   * @param capacity size of the pooled buffers
   * @param max most free buffers kept
   */
  constructor(capacity, max = 8) {
    this.capacity = capacity;
    this.max = max;
    this.free = [];
  }

  /** A Buffer of at least `size` bytes (its length is its capacity) that owns its memory. */
  take(size) {
    if (size <= this.capacity && this.free.length) return Buffer.from(this.free.pop());
    return Buffer.allocUnsafeSlow(Math.max(size, this.capacity));
  }

  /** Gives an ArrayBuffer back (once nothing refers to it any more). */
  give(arrayBuffer) {
    if (arrayBuffer && arrayBuffer.byteLength === this.capacity && !arrayBuffer.detached && this.free.length < this.max) {
      this.free.push(arrayBuffer);
    }
  }
}

module.exports = { BufferPool };
