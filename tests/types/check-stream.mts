// The stream API from an ES module (`import` condition, node.d.mts): createScanner, its options
// and the Transform it returns, with Node's stream types.
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import api, { createScanner, type Scanner, type ScannerOptions, type ScanRejection, type Counts } from 'external-ip-lookup-rule';

const options: ScannerOptions = { format: 'verdicts', objectMode: true, version: '104', source: 'x.ndjson' };
const scanner: Scanner = createScanner(options);
scanner.on('rejected', (r: ScanRejection) => console.log(r.source, r.line, r.column, r.message));
await pipeline(Readable.from([Buffer.from('{}\n')]), scanner, new Writable({ objectMode: true, write: (_c, _e, cb) => cb() }));
const counts: Counts = scanner.counts;
const again: Scanner = api.createScanner();
console.log(counts.lines, scanner.rule.info.rule_id, again.rejections.length);
