import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Experiment, ExperimentRecord } from '../experiments/types.js';
import { renderHtml } from './html.js';

/** report.json first (cheap, always useful), then the HTML page. */
export function writeReport(dir: string, exp: Experiment, record: ExperimentRecord, series: Map<string, Record<string, number | string>[]>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), JSON.stringify(record, null, 2) + '\n');
  writeFileSync(join(dir, 'report.html'), renderHtml(exp, record, series));
}
