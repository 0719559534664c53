/**
 * A Sink that appends observables to `<series>.jsonl` in small batches as they are measured
 * (every 256 rows or every second, whole lines only), so an interrupted, diverged or killed run
 * keeps every row up to the last flush. Node only.
 */
import { mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { Row, Sink } from '../experiments/runner.js';

export class FileSink implements Sink {
  private fds = new Map<string, number>();
  private pending = new Map<string, string[]>();
  private pendingRows = 0;
  private lastFlush = performance.now();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  record(name: string, row: Row): void {
    let buf = this.pending.get(name);
    if (!buf) this.pending.set(name, (buf = []));
    buf.push(JSON.stringify(row));
    if (++this.pendingRows >= 256 || performance.now() - this.lastFlush >= 1000) this.flush();
  }

  flush(): void {
    for (const [name, lines] of this.pending) {
      if (!lines.length) continue;
      let fd = this.fds.get(name);
      if (fd === undefined) this.fds.set(name, (fd = openSync(join(this.dir, `${name.replace(/[^\w.-]/g, '_')}.jsonl`), 'w')));
      writeSync(fd, lines.join('\n') + '\n');
      lines.length = 0;
    }
    this.pendingRows = 0;
    this.lastFlush = performance.now();
  }

  close(): void {
    this.flush();
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
