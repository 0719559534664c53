import { mkdirSync, writeFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/fs-safe.js';
import { join } from 'node:path';
import type { Experiment, ExperimentRecord, ModelArtifact } from '../experiments/types.js';
import { mlpTensorLayout, saveCheckpoint } from '../io/checkpoint.js';
import { renderHtml } from './html.js';

/**
 * report.json first (cheap, always useful), then the HTML page; each written atomically (temp
 * file + rename), so a run killed while writing leaves the old file or the new one, never half.
 */
export function writeReport(dir: string, exp: Experiment, record: ExperimentRecord, series: Map<string, Record<string, number | string>[]>): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'report.json'), JSON.stringify(record, null, 2) + '\n');
  writeFileAtomic(join(dir, 'report.html'), renderHtml(exp, record, series));
}

/**
 * Trained models as lmech-checkpoint v1 (`<name>.json` + `.bin`) with their data
 * (`<name>-data.json`), ready for `lmech hessian --model … --data …`. Returns the manifest paths.
 */
export function writeArtifacts(dir: string, artifacts: ModelArtifact[]): { model: string; data: string }[] {
  mkdirSync(dir, { recursive: true });
  return artifacts.map((a) => {
    const { manifestPath } = saveCheckpoint(join(dir, `${a.name}.json`), {
      spec: a.spec, loss: a.loss, dtype: a.params[0]?.dtype ?? 'f64', params: a.params,
      names: mlpTensorLayout(a.spec).map((t) => t.name),
    });
    const data = join(dir, `${a.name}-data.json`);
    writeFileSync(data, JSON.stringify(a.data));
    return { model: manifestPath, data };
  });
}
