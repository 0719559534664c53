import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadUserData, parseCsvTable, checkDataConfig, dataFilesOf, MAX_ROWS, UserDataError, type UserData,
} from '../src/data/user-data.js';
import { toNpy } from '../src/io/npy.js';
import { cellHash, labVersion } from '../src/lab/identity.js';
import { canonicalJson } from '../src/lab/sweep.js';
import { runExperiment } from '../src/experiments/runner.js';
import { parseConfig } from '../src/experiments/config.js';
import { edgeOfStabilityExperiment, eosSchema } from '../src/experiments/edge-of-stability.js';
import { catapultExperiment } from '../src/experiments/catapult.js';
import { Store } from '../src/lab/store.js';
import { runSweep, type Dispatch } from '../src/lab/run-sweep.js';
import { runCell } from '../src/lab/cell.js';

const FIX = 'test/fixtures/user-data';
const tmp = () => mkdtempSync(join(tmpdir(), 'lmech-userdata-'));
const write = (dir: string, name: string, text: string | Uint8Array) => { const p = join(dir, name); writeFileSync(p, text); return p; };
/** The message of what `f` throws (sync or async). */
async function thrown(f: () => unknown): Promise<string> {
  try { await f(); } catch (e) { expect(e).toBeInstanceOf(UserDataError); return (e as Error).message; }
  throw new Error('did not throw');
}

/** The fixture's numbers as printed (data.csv), parsed here independently of the loader. */
function fixtureRows(): { x: number[]; c: number }[] {
  return readFileSync(join(FIX, 'data.csv'), 'utf8').trim().split('\n').slice(1).map((l) => {
    const f = l.split(',').map(Number);
    return { x: f.slice(0, 4), c: f[4] };
  });
}

describe('CSV tables', () => {
  it('reads numbers with an optional header, any of , ; tab or spaces, quotes, comments and blank lines', () => {
    const t = parseCsvTable('# a comment\n"a","b"\n1,2.5\n\n-3e-1, .5\r\n', 'x.csv');
    expect(t.header).toEqual(['a', 'b']);
    expect([t.rows, t.cols]).toEqual([2, 2]);
    expect(Array.from(t.data)).toEqual([1, 2.5, -0.3, 0.5]);
    expect(Array.from(t.rowOf)).toEqual([3, 5]); // file lines
    expect(Array.from(parseCsvTable('1;2\n3;4', 's.csv').data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(parseCsvTable('1\t2\n3\t4', 't.csv').data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(parseCsvTable('1  2\n 3 4 ', 'w.csv').data)).toEqual([1, 2, 3, 4]);
    expect(parseCsvTable('1,2\n3,4', 'h.csv').header).toBeUndefined();
  });

  it('every error names the file, the row (its line) and the column', async () => {
    expect(await thrown(() => parseCsvTable('a,b,c\n1,2,3\n4,abc,6\n', 'data.csv'))).toBe('data.csv row 3, column 2: "abc" is not a number');
    expect(await thrown(() => parseCsvTable('1,2,3\n4,,6\n', 'data.csv'))).toBe('data.csv row 2, column 2: empty field (a missing value)');
    expect(await thrown(() => parseCsvTable('1,2,3\n4,5,1e999\n', 'data.csv'))).toBe('data.csv row 2, column 3: "1e999" is not a finite number');
    expect(await thrown(() => parseCsvTable('1,2,3\n4,5,NaN\n', 'data.csv'))).toBe('data.csv row 2, column 3: "NaN" is not a number');
    expect(await thrown(() => parseCsvTable('x,y,z\n1,2,3\n\n4,5\n', 'data.csv'))).toBe('data.csv row 4: 2 columns, but the header (row 1) has 3');
    expect(await thrown(() => parseCsvTable('1,2\n3,4,5\n', 'data.csv'))).toBe('data.csv row 2: 3 columns, but row 1 has 2');
    expect(await thrown(() => parseCsvTable('\n# nothing\n', 'e.csv'))).toBe('e.csv: no rows (the file is empty)');
    expect(await thrown(() => parseCsvTable('a,b\n', 'h.csv'))).toBe('h.csv: a header but no data rows');
    const many = Array.from({ length: MAX_ROWS + 1 }, (_, i) => `${i},0`).join('\n');
    expect(await thrown(() => parseCsvTable(many, 'big.csv'))).toMatch(/^big\.csv: 10001 rows, more than the 10000 allowed/);
    expect(await thrown(() => parseCsvTable(Array(4097).fill('1').join(','), 'wide.csv'))).toBe('wide.csv: 4097 columns, more than the 4096 allowed');
  });
});

describe('loading a data file', () => {
  it('CSV with a label column: inputs centered and scaled, classes one-hot, source and shape stated', async () => {
    const u = await loadUserData(join(FIX, 'data.csv'), { task: 'classification' });
    const rows = fixtureRows();
    expect([u.n, u.d, u.outputs]).toEqual([60, 4, 3]);
    // Centering and unit mean square, recomputed here from the printed numbers.
    const mu = [0, 1, 2, 3].map((j) => rows.reduce((a, r) => a + r.x[j], 0) / 60);
    const ss = rows.reduce((a, r) => a + r.x.reduce((b, v, j) => b + (v - mu[j]) ** 2, 0), 0);
    const s = Math.sqrt(240 / ss);
    rows.forEach((r, i) => r.x.forEach((v, j) => expect(u.X[i * 4 + j]).toBeCloseTo((v - mu[j]) * s, 12)));
    rows.forEach((r, i) => {
      expect(u.labels[i]).toBe(r.c);
      expect(Array.from(u.Y.subarray(3 * i, 3 * i + 3))).toEqual([0, 1, 2].map((k) => (k === r.c ? 1 : 0)));
    });
    const sha = createHash('sha256').update(readFileSync(join(FIX, 'data.csv'))).digest('hex');
    expect(u.summary).toEqual({
      source: join(FIX, 'data.csv'), format: 'csv', sha256: sha, shape: [60, 4], targets: 3, task: 'classification',
      labels: { source: join(FIX, 'data.csv'), column: 5 }, classes: 3, classValues: [0, 1, 2], header: true, centered: true,
    });
    expect(u.description).toMatch(/data\.csv \(CSV with header, sha256 [0-9a-f]{12}…\): 60 examples × 4 inputs, labels from column 5 \("label"\): 3 classes \(0: 20, 1: 20, 2: 20\)/);
  });

  it('the same numbers as .csv, as .npy, and as inputs.npy + labels.npy (int64, rank 1) give bit-identical data', async () => {
    const a = await loadUserData(join(FIX, 'data.csv'), { task: 'classification' });
    const b = await loadUserData(join(FIX, 'data.npy'), { task: 'classification' });
    const c = await loadUserData(join(FIX, 'inputs.npy'), { task: 'classification', labels: join(FIX, 'labels.npy') });
    for (const o of [b, c] as UserData[]) {
      expect(o.X).toEqual(a.X); // toEqual on Float64Array compares every element exactly
      expect(o.Y).toEqual(a.Y);
      expect(o.labels).toEqual(a.labels);
    }
    expect(b.summary.format).toBe('npy');
    expect(c.summary.labels).toEqual({ source: join(FIX, 'labels.npy'), format: 'npy', sha256: createHash('sha256').update(readFileSync(join(FIX, 'labels.npy'))).digest('hex') });
    // Uncentered, the inputs are exactly the printed numbers.
    const raw = await loadUserData(join(FIX, 'data.npy'), { task: 'classification', center: false });
    expect(Array.from(raw.X)).toEqual(fixtureRows().flatMap((r) => r.x));
  });

  it('a labels file: class values sorted into classes; regression keeps the targets as they are', async () => {
    const u = await loadUserData(join(FIX, 'inputs.npy'), { task: 'classification', labels: join(FIX, 'labels.csv') });
    expect(u.summary.classValues).toEqual([10, 20, 30]);
    expect(Array.from(u.labels)).toEqual(fixtureRows().map((r) => r.c));
    const r = await loadUserData(join(FIX, 'data.csv'), { task: 'regression', labels: join(FIX, 'targets.csv'), center: false });
    expect([r.d, r.outputs]).toEqual([5, 2]);
    const t = readFileSync(join(FIX, 'targets.csv'), 'utf8').trim().split('\n').slice(1).flatMap((l) => l.split(',').map(Number));
    expect(Array.from(r.Y)).toEqual(t);
    expect(r.summary.classes).toBeUndefined();
    // A last-column label read as a regression target.
    const last = await loadUserData(join(FIX, 'data.csv'), { task: 'regression' });
    expect(Array.from(last.Y)).toEqual(fixtureRows().map((x) => x.c));
  });

  it('one-hot label rows', async () => {
    const dir = tmp();
    const labels = write(dir, 'onehot.csv', '0,1\n1,0\n0,1\n');
    const u = await loadUserData(write(dir, 'x.csv', '1\n2\n4\n'), { task: 'classification', labels });
    expect(Array.from(u.labels)).toEqual([1, 0, 1]);
    expect(u.summary.classes).toBe(2);
  });

  it('bad labels, bad shapes and unreadable files: each message names the file, row and column', async () => {
    const dir = tmp();
    const x3 = write(dir, 'x.csv', 'a,b\n1,2\n3,4\n5,6\n');
    expect(await thrown(() => loadUserData(write(dir, 'frac.csv', 'a,y\n1,0\n2,0.5\n3,1\n'), { task: 'classification' })))
      .toMatch(/^.*frac\.csv row 3, column 2: 0\.5 is not an integer class label/);
    expect(await thrown(() => loadUserData(write(dir, 'one.csv', '1,7\n2,7\n'), { task: 'classification' })))
      .toMatch(/one\.csv column 2: every label is 7; classification needs at least 2 classes$/);
    expect(await thrown(() => loadUserData(x3, { task: 'classification', labels: write(dir, 'short.csv', '0\n1\n') })))
      .toMatch(/short\.csv: 2 rows of labels, but .*x\.csv has 3 rows of data$/);
    expect(await thrown(() => loadUserData(x3, { task: 'classification', labels: write(dir, 'oh.csv', '1,0\n0,0.5\n0,1\n') })))
      .toMatch(/oh\.csv row 2, column 2: 0\.5 in a one-hot label row/);
    expect(await thrown(() => loadUserData(x3, { task: 'classification', labels: write(dir, 'oh2.csv', '1,0\n1,1\n0,1\n') })))
      .toMatch(/oh2\.csv row 2: 2 entries equal 1 in a one-hot label row \(exactly one allowed\)$/);
    expect(await thrown(() => loadUserData(write(dir, 'col.csv', '1\n2\n'), { task: 'classification' })))
      .toMatch(/col\.csv: 1 column; the last column holds the labels/);
    expect(await thrown(() => loadUserData(write(dir, 'row.csv', '1,0\n'), { task: 'classification' })))
      .toMatch(/row\.csv: 1 row; at least 2 examples are needed$/);
    const nan = write(dir, 'nan.npy', toNpy({ rows: 2, cols: 2, data: Float64Array.from([1, 0, NaN, 1]) }));
    expect(await thrown(() => loadUserData(nan, { task: 'classification' }))).toMatch(/nan\.npy row 2, column 1: NaN is not a finite number$/);
    expect(await thrown(() => loadUserData(write(dir, 'junk.npy', 'not numpy at all'), { task: 'classification' }))).toMatch(/junk\.npy: not a \.npy file/);
    expect(await thrown(() => loadUserData(join(dir, 'missing.csv'), { task: 'classification' }))).toMatch(/^--data: cannot read .*missing\.csv \(ENOENT\)$/);
    expect(await thrown(() => loadUserData(x3, { task: 'classification', labels: join(dir, 'gone.npy') }))).toMatch(/^--labels: cannot read .*gone\.npy \(ENOENT\)$/);
    expect(await thrown(() => loadUserData(join(dir, 'x.txt'), { task: 'classification' }))).toMatch(/^--data: ".*x\.txt" is not a \.csv or \.npy file$/);
  });

  it('config: --data takes mnist, synthetic or a .csv/.npy path; labels and regression only with a file', async () => {
    expect(() => parseConfig(eosSchema, { data: 'digits.txt' }, 'edge-of-stability')).toThrow(/--data: must be "mnist", "synthetic" or a path to a \.csv or \.npy file \(got "digits\.txt"\)/);
    expect(() => parseConfig(eosSchema, { labels: 'y.json' }, 'edge-of-stability')).toThrow(/--labels: must be empty .* or a path to a \.csv or \.npy file/);
    expect(parseConfig(eosSchema, { data: 'a/b.NPY' }, 'edge-of-stability').data).toBe('a/b.NPY');
    expect(await thrown(() => checkDataConfig({ data: 'mnist', labels: 'y.csv', task: 'classification' }))).toBe('--labels: only with --data FILE (got --data mnist)');
    expect(await thrown(() => checkDataConfig({ data: 'x.csv', labels: '', task: 'regression', loss: 'ce' }))).toBe('--task regression: real-valued targets need --loss mse (got --loss ce)');
    expect(dataFilesOf({ data: 'mnist', labels: 'y.csv' })).toEqual([]);
    expect(dataFilesOf({ data: 'x.csv', labels: 'y.npy' })).toEqual([{ field: 'data', path: 'x.csv' }, { field: 'labels', path: 'y.npy' }]);
  });
});

describe('the cell identity hashes the data file contents', () => {
  it('changes when the file changes, returns when it is restored; configs without files hash as before', () => {
    const dir = tmp();
    const p = write(dir, 'd.csv', '1,0\n2,1\n');
    const config = { ...parseConfig(eosSchema, { data: p, steps: 20 }, 'edge-of-stability') };
    const h1 = cellHash('edge-of-stability', config);
    expect(cellHash('edge-of-stability', config)).toBe(h1);
    write(dir, 'd.csv', '1,0\n2,2\n'); // same size, same path, other contents
    const h2 = cellHash('edge-of-stability', config);
    expect(h2).not.toBe(h1);
    write(dir, 'd.csv', '1,0\n2,1\n');
    expect(cellHash('edge-of-stability', config)).toBe(h1);
    const labels = write(dir, 'y.csv', '0\n1\n');
    const withLabels = { ...config, labels };
    const h3 = cellHash('edge-of-stability', withLabels);
    write(dir, 'y.csv', '1\n0\n');
    expect(cellHash('edge-of-stability', withLabels)).not.toBe(h3);
    // Without a file: SHA-256 of "experiment \n canonical config \n lab", as the store always had it.
    const plain = parseConfig(eosSchema, { steps: 20 }, 'edge-of-stability') as Record<string, unknown>;
    expect(cellHash('edge-of-stability', plain)).toBe(createHash('sha256').update(`edge-of-stability\n${canonicalJson(plain)}\n${labVersion()}`).digest('hex'));
    expect(() => cellHash('edge-of-stability', { ...config, data: join(dir, 'gone.csv') })).toThrow(/^--data: cannot read .*gone\.csv \(ENOENT\)$/);
  });
});

describe('a sweep on a data file', () => {
  it('runs a cell once; after the file is edited in place, the same command runs it again (a new cell)', async () => {
    const dir = tmp();
    const text = readFileSync(join(FIX, 'data.csv'), 'utf8');
    const p = write(dir, 'd.csv', text);
    const store = Store.open(':memory:');
    // Cells in this thread, one after another (the pool's workers would run the built dist/).
    const dispatch: Dispatch = async (tasks, hooks) => {
      for (const [i, t] of tasks.entries()) { hooks.onStart(i); hooks.onDone(i, await runCell(t, { withSeries: true })); }
    };
    const spec = { experiment: 'catapult', fixed: { data: p, width: 8, steps: 10, window: 5 }, axes: [], seeds: [0] };
    try {
      expect((await runSweep(catapultExperiment, spec, { store, dispatch })).ran).toBe(1);
      expect((await runSweep(catapultExperiment, spec, { store, dispatch })).ran).toBe(0);
      write(dir, 'd.csv', text.replace('1.0000,-0.0789', '1.0000,-0.0788'));
      const third = await runSweep(catapultExperiment, spec, { store, dispatch });
      expect(third.ran).toBe(1);
      const cells = store.sweepCells(third.id);
      expect(cells).toHaveLength(1);
      expect(store.cell(cells[0].hash)?.record?.data?.sha256).toBe(createHash('sha256').update(readFileSync(p)).digest('hex'));
    } finally {
      store.close();
    }
  });
});

// A cheap edge-of-stability configuration (the threshold is not reached in 40 steps: out of regime or not, the numbers are what is compared).
const CHEAP = { width: 8, depth: 1, lr: 0.3, lrScales: [1], steps: 40, sharpnessEvery: 10, flowControl: false, perLayerEvery: 0, densityProbes: 0 };

describe('experiments on user data', () => {
  it('edge-of-stability on equal CSV and NPY data: bit-identical series; the record states source and shape', async () => {
    const a = await runExperiment(edgeOfStabilityExperiment, { ...CHEAP, data: join(FIX, 'data.csv') });
    const b = await runExperiment(edgeOfStabilityExperiment, { ...CHEAP, data: join(FIX, 'data.npy') });
    expect([...a.series.keys()]).toEqual([...b.series.keys()]);
    for (const [k, rows] of a.series) expect(b.series.get(k)).toEqual(rows);
    expect(a.series.get('loss')!.length).toBeGreaterThan(10);
    expect(a.record.checks.map((c) => c.measured)).toEqual(b.record.checks.map((c) => c.measured));
    expect(a.record.data).toMatchObject({ source: join(FIX, 'data.csv'), format: 'csv', shape: [60, 4], classes: 3, task: 'classification' });
    expect(b.record.data).toMatchObject({ source: join(FIX, 'data.npy'), format: 'npy', shape: [60, 4], classes: 3 });
    expect(a.record.note).toMatch(/data\.csv \(CSV with header, sha256 [0-9a-f]{12}…\): 60 examples × 4 inputs/);
    // The trained model's output layer has one unit per class (P = 4·8 + 8 + 8·3 + 3).
    expect(a.record.note).toMatch(/P = 67;/);
  });

  it('edge-of-stability refuses cross-entropy on regression targets; catapult trains on regression targets', async () => {
    await expect(runExperiment(edgeOfStabilityExperiment, { ...CHEAP, data: join(FIX, 'data.csv'), labels: join(FIX, 'targets.csv'), task: 'regression', loss: 'ce' }))
      .rejects.toThrow(/--task regression: real-valued targets need --loss mse/);
    const r = await runExperiment(catapultExperiment, { data: join(FIX, 'data.csv'), labels: join(FIX, 'targets.csv'), task: 'regression', width: 16, steps: 20, window: 10 });
    expect(r.record.data).toMatchObject({ shape: [60, 5], targets: 2, task: 'regression' });
    expect(r.record.note).toMatch(/2 real-valued targets/);
    expect(r.series.get('loss')!.length).toBe(42); // two runs × steps 0..20
  });
});

describe('lmech run --data (child process, from dist/)', () => {
  const lmech = (...args: string[]) => spawnSync(process.execPath, ['bin/lmech.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  const flags = ['--width', '8', '--depth', '1', '--lr-scales', '1', '--steps', '40', '--sharpness-every', '10', '--no-flow-control', '--per-layer-every', '0', '--density-probes', '0'];

  it('edge-of-stability --data fixture.csv: the report, the record and the manifest state the source and shape', () => {
    const dir = join(tmp(), 'run');
    const csv = join(FIX, 'data.csv');
    const r = lmech('run', 'edge-of-stability', '--data', csv, ...flags, '--out', dir, '--json', '--workers', '1');
    expect([0, 1], r.stderr).toContain(r.status);
    const out = JSON.parse(r.stdout.trim());
    expect(out.config.data).toBe(csv);
    expect(out.data).toMatchObject({ source: csv, format: 'csv', shape: [60, 4], classes: 3 });
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.data).toEqual(out.data);
    expect(report.data.sha256).toBe(createHash('sha256').update(readFileSync(csv)).digest('hex'));
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.data).toEqual(out.data);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/data\.csv \(CSV with header, sha256 [0-9a-f]{12}…\): 60 examples × 4 inputs, labels from column 5/);
    // The checkpoint's data are the file's (centered) rows.
    const ckpt = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('-data.json'))!), 'utf8'));
    expect([ckpt.x.length, ckpt.x[0].length, ckpt.y[0].length]).toEqual([60, 4, 3]);
  });

  it('bad data is a usage error (exit 2) naming file, row and column, before any directory is made', () => {
    const dir = tmp();
    const bad = write(dir, 'bad.csv', 'a,b,y\n1,2,0\n3,x,1\n');
    const out = join(dir, 'out');
    const r = lmech('run', 'edge-of-stability', '--data', bad, ...flags, '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad} row 3, column 2: "x" is not a number`);
    expect(existsSync(out)).toBe(false);
    const d = lmech('run', 'dln', '--data', bad);
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/--data: dln does not train on user data: its prediction is derived for the data it generates itself .*; experiments that take --data FILE: .*edge-of-stability/);
  });
});
