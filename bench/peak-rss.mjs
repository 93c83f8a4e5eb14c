// Running a Node.js child and measuring its peak memory: the maximum resident set size from
// /usr/bin/time -v, or polled from /proc/<pid>/status (VmHWM) where there is no GNU time.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

/**
 * Runs `node ...argv`, its stdout discarded. Resolves { code, secs, peakKb, stderr }.
 * `stdin`, when given, is called with the child's standard input stream.
 */
export function runMeasured(argv, { stdin } = {}) {
  return new Promise((resolve, reject) => {
    const useTime = fs.existsSync('/usr/bin/time');
    const cmd = useTime ? '/usr/bin/time' : process.execPath;
    const args = useTime ? ['-v', process.execPath, ...argv] : argv;
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: [stdin ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let hwmKb = 0;
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
      } catch {
        // not Linux, or gone
      }
    }, 50);
    if (stdin) stdin(child.stdin);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      resolve({ code, secs, peakKb: m ? Number(m[1]) : hwmKb || NaN, stderr });
    });
  });
}
