/**
 * The lab's run store: an embedded SQLite database (better-sqlite3) holding every sweep, every
 * cell's config, status, record, summary metrics, timing, host and error, and the observable
 * rows each cell recorded. Node only.
 *
 * Nothing lost, nothing twice:
 * - a cell's result and its rows are written in ONE transaction, guarded by `status != 'done'`,
 *   so a result lands exactly once per cell hash however often it is delivered (a restarted
 *   sweep, an at-least-once queue);
 * - the database runs in WAL mode, where a killed process (SIGKILL included) leaves every
 *   committed transaction intact and no partial one;
 * - a cell that was running when its process died is still 'running' in the store; the next
 *   sweep over it runs it again, since only 'done' and 'diverged' cells are final.
 */
import Database from 'better-sqlite3';
import { makeDirs } from '../io/fs-safe.js';
import { dirname } from 'node:path';
import type { ExperimentRecord } from '../experiments/types.js';
import type { Row } from '../experiments/runner.js';

export type CellStatus = 'queued' | 'running' | 'done' | 'failed' | 'diverged';
/** Statuses that end a cell: a sweep never runs these again. */
export const FINAL: readonly CellStatus[] = ['done', 'diverged'];

export interface StoredCell {
  hash: string;
  experiment: string;
  config: Record<string, unknown>;
  status: CellStatus;
  verdict: string | null;
  record: ExperimentRecord | null;
  summary: Record<string, number> | null;
  error: string | null;
  host: string | null;
  worker: string | null;
  attempts: number;
  seconds: number | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface SweepCellRef {
  index: number;
  hash: string;
  experiment: string;
  config: Record<string, unknown>;
  coords: Record<string, unknown>;
}

export interface StoredSweep {
  id: string;
  experiment: string;
  spec: unknown;
  created: string;
  labVersion: string;
  cells: number;
  done: number;
  failed: number;
  diverged: number;
}

export interface CellResult {
  status: 'done' | 'diverged';
  record: ExperimentRecord;
  summary: Record<string, number>;
  /** Observable rows by series. */
  series: [string, Row[]][];
  seconds: number;
  host: string;
  worker?: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sweeps (
  id TEXT PRIMARY KEY, experiment TEXT NOT NULL, spec TEXT NOT NULL,
  created TEXT NOT NULL, lab_version TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cells (
  hash TEXT PRIMARY KEY, experiment TEXT NOT NULL, config TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued','running','done','failed','diverged')),
  verdict TEXT, record TEXT, summary TEXT, error TEXT, host TEXT, worker TEXT,
  attempts INTEGER NOT NULL DEFAULT 0, seconds REAL, started_at TEXT, finished_at TEXT
);
CREATE TABLE IF NOT EXISTS sweep_cells (
  sweep TEXT NOT NULL REFERENCES sweeps(id), idx INTEGER NOT NULL, hash TEXT NOT NULL REFERENCES cells(hash),
  coords TEXT NOT NULL, PRIMARY KEY (sweep, idx)
);
CREATE TABLE IF NOT EXISTS rows (
  hash TEXT NOT NULL REFERENCES cells(hash), series TEXT NOT NULL, seq INTEGER NOT NULL, row TEXT NOT NULL,
  PRIMARY KEY (hash, series, seq)
);
CREATE TABLE IF NOT EXISTS hypotheses (
  hash TEXT PRIMARY KEY, name TEXT NOT NULL, registered_at TEXT NOT NULL, lab_version TEXT NOT NULL,
  file TEXT, file_sha256 TEXT, spec TEXT NOT NULL, text TEXT
);
CREATE TABLE IF NOT EXISTS hypothesis_tests (
  id INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL REFERENCES hypotheses(hash), sweep TEXT,
  status TEXT NOT NULL CHECK (status IN ('running','done','failed')), verdict TEXT, outcome TEXT, error TEXT,
  started_at TEXT NOT NULL, finished_at TEXT
);
CREATE INDEX IF NOT EXISTS hypotheses_by_name ON hypotheses(name);
CREATE INDEX IF NOT EXISTS cells_by_status ON cells(status);
CREATE INDEX IF NOT EXISTS sweep_cells_by_hash ON sweep_cells(hash);
`;

const now = () => new Date().toISOString();
const parse = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

interface CellRowDb {
  hash: string; experiment: string; config: string; status: CellStatus; verdict: string | null;
  record: string | null; summary: string | null; error: string | null; host: string | null; worker: string | null;
  attempts: number; seconds: number | null; started_at: string | null; finished_at: string | null;
}

const toCell = (r: CellRowDb): StoredCell => ({
  hash: r.hash, experiment: r.experiment, config: JSON.parse(r.config), status: r.status, verdict: r.verdict,
  record: parse(r.record), summary: parse(r.summary), error: r.error, host: r.host, worker: r.worker,
  attempts: r.attempts, seconds: r.seconds, startedAt: r.started_at, finishedAt: r.finished_at,
});

/** A hypothesis on record (lmech test): registered before any of its runs started. */
export interface HypothesisRegistration {
  hash: string;
  name: string;
  labVersion: string;
  file?: string;
  fileSha256?: string;
  /** The validated hypothesis (canonical JSON). */
  spec: string;
  text?: string;
}

export interface StoredHypothesisTest {
  id: number;
  hash: string;
  sweep: string | null;
  status: 'running' | 'done' | 'failed';
  verdict: string | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export class Store {
  private constructor(readonly path: string, private readonly db: Database.Database) {}

  /** Open (creating if needed) the store at `path`. */
  static open(path: string): Store {
    if (path !== ':memory:') makeDirs(dirname(path));
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 10000');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    return new Store(path, db);
  }

  close(): void {
    this.db.close();
  }

  /** Record a sweep and its cells (new cells start 'queued'; known cells keep their state). */
  registerSweep(id: string, experiment: string, spec: unknown, labVersion: string, cells: readonly SweepCellRef[]): void {
    const insSweep = this.db.prepare('INSERT OR IGNORE INTO sweeps (id, experiment, spec, created, lab_version) VALUES (?, ?, ?, ?, ?)');
    const insCell = this.db.prepare("INSERT OR IGNORE INTO cells (hash, experiment, config, status) VALUES (?, ?, ?, 'queued')");
    const insMap = this.db.prepare('INSERT OR REPLACE INTO sweep_cells (sweep, idx, hash, coords) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      insSweep.run(id, experiment, JSON.stringify(spec), now(), labVersion);
      for (const c of cells) {
        insCell.run(c.hash, c.experiment, JSON.stringify(c.config));
        insMap.run(id, c.index, c.hash, JSON.stringify(c.coords));
      }
    })();
  }

  /** A cell is being run (attempts counts every start, so retries after a crash are visible). */
  markRunning(hash: string, host: string, worker?: string): void {
    this.db.prepare("UPDATE cells SET status = 'running', host = ?, worker = ?, attempts = attempts + 1, started_at = ?, error = NULL WHERE hash = ? AND status NOT IN ('done','diverged')")
      .run(host, worker ?? null, now(), hash);
  }

  /**
   * Store a finished cell and its rows in one transaction. Returns false (and writes nothing)
   * when the cell already has a final result: a duplicate delivery.
   */
  complete(hash: string, r: CellResult): boolean {
    const upd = this.db.prepare("UPDATE cells SET status = ?, verdict = ?, record = ?, summary = ?, error = NULL, host = ?, worker = ?, seconds = ?, finished_at = ? WHERE hash = ? AND status NOT IN ('done','diverged')");
    const insRow = this.db.prepare('INSERT INTO rows (hash, series, seq, row) VALUES (?, ?, ?, ?)');
    return this.db.transaction(() => {
      const changed = upd.run(r.status, r.record.verdict, JSON.stringify(r.record), JSON.stringify(r.summary), r.host, r.worker ?? null, r.seconds, now(), hash).changes;
      if (changed === 0) return false;
      this.db.prepare('DELETE FROM rows WHERE hash = ?').run(hash);
      for (const [series, rows] of r.series) rows.forEach((row, seq) => insRow.run(hash, series, seq, JSON.stringify(row)));
      return true;
    })();
  }

  /** A cell threw: keep the error; a later sweep tries it again. */
  fail(hash: string, error: string, host: string, worker?: string): void {
    this.db.prepare("UPDATE cells SET status = 'failed', error = ?, host = ?, worker = ?, finished_at = ? WHERE hash = ? AND status NOT IN ('done','diverged')")
      .run(error, host, worker ?? null, now(), hash);
  }

  /** A cell was interrupted before finishing: back to the queue. */
  requeue(hash: string): void {
    this.db.prepare("UPDATE cells SET status = 'queued' WHERE hash = ? AND status NOT IN ('done','diverged')").run(hash);
  }

  /** The cells of a sweep in expansion order, with their coordinates. */
  sweepCells(id: string): (StoredCell & { index: number; coords: Record<string, unknown> })[] {
    const rows = this.db.prepare('SELECT c.*, s.idx AS idx, s.coords AS coords FROM sweep_cells s JOIN cells c ON c.hash = s.hash WHERE s.sweep = ? ORDER BY s.idx')
      .all(id) as (CellRowDb & { idx: number; coords: string })[];
    return rows.map((r) => ({ ...toCell(r), index: r.idx, coords: JSON.parse(r.coords) }));
  }

  cell(hash: string): StoredCell | null {
    const r = this.db.prepare('SELECT * FROM cells WHERE hash = ?').get(hash) as CellRowDb | undefined;
    return r ? toCell(r) : null;
  }

  /** Cells whose hash starts with `prefix` (for short ids on the command line). */
  cellsByPrefix(prefix: string): StoredCell[] {
    return (this.db.prepare('SELECT * FROM cells WHERE hash LIKE ? ORDER BY hash LIMIT 10').all(`${prefix}%`) as CellRowDb[]).map(toCell);
  }

  /** Cells filtered by experiment and status. */
  cells(filter: { experiment?: string; status?: CellStatus } = {}): StoredCell[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.experiment) { where.push('experiment = ?'); args.push(filter.experiment); }
    if (filter.status) { where.push('status = ?'); args.push(filter.status); }
    const sql = `SELECT * FROM cells${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY experiment, hash`;
    return (this.db.prepare(sql).all(...args) as CellRowDb[]).map(toCell);
  }

  sweeps(filter: { experiment?: string } = {}): StoredSweep[] {
    const sql = `SELECT w.id, w.experiment, w.spec, w.created, w.lab_version,
        COUNT(*) AS cells,
        SUM(c.status = 'done') AS done, SUM(c.status = 'failed') AS failed, SUM(c.status = 'diverged') AS diverged
      FROM sweeps w JOIN sweep_cells s ON s.sweep = w.id JOIN cells c ON c.hash = s.hash
      ${filter.experiment ? 'WHERE w.experiment = ?' : ''} GROUP BY w.id ORDER BY w.created`;
    const rows = this.db.prepare(sql).all(...(filter.experiment ? [filter.experiment] : [])) as
      { id: string; experiment: string; spec: string; created: string; lab_version: string; cells: number; done: number; failed: number; diverged: number }[];
    return rows.map((r) => ({ id: r.id, experiment: r.experiment, spec: JSON.parse(r.spec), created: r.created, labVersion: r.lab_version, cells: r.cells, done: r.done, failed: r.failed, diverged: r.diverged }));
  }

  /** Sweeps whose id starts with `prefix`. */
  sweepsByPrefix(prefix: string): StoredSweep[] {
    return this.sweeps().filter((s) => s.id.startsWith(prefix));
  }

  /** A cell's observable rows of one series, in recording order. */
  rows(hash: string, series: string): Row[] {
    return (this.db.prepare('SELECT row FROM rows WHERE hash = ? AND series = ? ORDER BY seq').all(hash, series) as { row: string }[]).map((r) => JSON.parse(r.row));
  }

  /**
   * Put a hypothesis on record. A hash already known keeps its first registration (the
   * prediction came then): returns its time, text and file hash, and whether this call created it.
   */
  registerHypothesis(r: HypothesisRegistration): { registeredAt: string; first: boolean; text: string | null; fileSha256: string | null } {
    return this.db.transaction(() => {
      const first = this.db.prepare('INSERT OR IGNORE INTO hypotheses (hash, name, registered_at, lab_version, file, file_sha256, spec, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(r.hash, r.name, now(), r.labVersion, r.file ?? null, r.fileSha256 ?? null, r.spec, r.text ?? null).changes > 0;
      const row = this.db.prepare('SELECT registered_at, text, file_sha256 FROM hypotheses WHERE hash = ?').get(r.hash) as { registered_at: string; text: string | null; file_sha256: string | null };
      return { registeredAt: row.registered_at, first, text: row.text, fileSha256: row.file_sha256 };
    })();
  }

  /** A test of a registered hypothesis begins (before its runs start); returns its id. */
  startHypothesisTest(hash: string, sweep: string | null): { id: number; startedAt: string } {
    const startedAt = now();
    const id = Number(this.db.prepare("INSERT INTO hypothesis_tests (hash, sweep, status, started_at) VALUES (?, ?, 'running', ?)").run(hash, sweep, startedAt).lastInsertRowid);
    return { id, startedAt };
  }

  /** A test ends: its verdict and outcome are written once (a finished test is never edited). */
  finishHypothesisTest(id: number, r: { status: 'done' | 'failed'; verdict?: string; outcome?: unknown; error?: string }): string {
    const finishedAt = now();
    this.db.prepare("UPDATE hypothesis_tests SET status = ?, verdict = ?, outcome = ?, error = ?, finished_at = ? WHERE id = ? AND status = 'running'")
      .run(r.status, r.verdict ?? null, r.outcome === undefined ? null : JSON.stringify(r.outcome), r.error ?? null, finishedAt, id);
    return finishedAt;
  }

  /** Every registered hypothesis of this name (each hash: one version), oldest first, with its tests. */
  hypothesisHistory(name: string): { hash: string; registeredAt: string; tests: StoredHypothesisTest[] }[] {
    const hs = this.db.prepare('SELECT hash, registered_at FROM hypotheses WHERE name = ? ORDER BY registered_at, hash').all(name) as { hash: string; registered_at: string }[];
    const tests = this.db.prepare('SELECT id, hash, sweep, status, verdict, error, started_at, finished_at FROM hypothesis_tests WHERE hash = ? ORDER BY id');
    return hs.map((h) => ({
      hash: h.hash, registeredAt: h.registered_at,
      tests: (tests.all(h.hash) as { id: number; hash: string; sweep: string | null; status: StoredHypothesisTest['status']; verdict: string | null; error: string | null; started_at: string; finished_at: string | null }[])
        .map((t) => ({ id: t.id, hash: t.hash, sweep: t.sweep, status: t.status, verdict: t.verdict, error: t.error, startedAt: t.started_at, finishedAt: t.finished_at })),
    }));
  }

  /** The series a cell recorded, with row counts. */
  seriesOf(hash: string): { series: string; rows: number }[] {
    return this.db.prepare('SELECT series, COUNT(*) AS rows FROM rows WHERE hash = ? GROUP BY series ORDER BY series').all(hash) as { series: string; rows: number }[];
  }
}
