/**
 * The atlas: each claim of src/lab/claims.ts with a status derived from ExperimentRecords.
 *
 * A claim's test names an experiment, a configuration label and check matchers. Its outcome is
 * read from the records of that (experiment, label) — every seed of it, when there are several:
 *
 *   test verdict  over the matched checks of every such record: 'falsified' if any is falsified,
 *                 'confirmed' if all are confirmed, else 'out-of-regime'; a record whose run did
 *                 not finish (status ≠ ok) counts as out of regime; no record: 'untested'.
 *   claim status  'falsified' if any in-regime test (role 'test') is falsified; else 'confirmed'
 *                 if at least one is confirmed; else 'untested' (never run, or only out of regime).
 *
 * Boundary and control tests never move the status: they say where the claim is known to stop
 * (expected out-of-regime) and that its checks can fail (expected falsified); `asExpected` says
 * whether they did. All pure functions over plain data; browser-safe.
 */
import type { Check, ExperimentRecord, RegimeCondition, Verdict } from '../experiments/types.js';
import { CLAIMS, OPEN_DIRECTIONS, STRANDS, type CheckMatcher, type Claim, type ClaimTest, type OpenDirection, type StrandId } from './claims.js';

export type ClaimStatus = 'confirmed' | 'falsified' | 'untested';
export type TestVerdict = Verdict | 'untested';

/** A record as the atlas reads it: an ExperimentRecord plus where its report lies (a relative URL). */
export type AtlasRecord = Pick<ExperimentRecord, 'experiment' | 'config' | 'status' | 'checks' | 'verdict'> & Partial<Pick<ExperimentRecord, 'label' | 'seed' | 'regime' | 'seconds'>> & { report?: string };

export interface TestOutcome {
  test: ClaimTest;
  verdict: TestVerdict;
  /** What the configuration is expected to give (boundary: out-of-regime, control: falsified). */
  expected?: Verdict;
  /** Boundary/control: did it give what was expected? (undefined when untested) */
  asExpected?: boolean;
  /** The matched checks, per record (seed). */
  runs: { seed?: number; status: string; report?: string; checks: Check[]; regime: RegimeCondition[] }[];
  /** Matchers that matched no check of some record (a stale claim, or a renamed check). */
  unmatched: string[];
}

export interface ClaimOutcome {
  claim: Claim;
  status: ClaimStatus;
  /** Why the status is what it is, in a few words. */
  reason: string;
  tests: TestOutcome[];
}

export interface OpenDirectionOutcome {
  direction: OpenDirection;
  counts: Record<ClaimStatus, number>;
  experiments: string[];
}

export interface Atlas {
  claims: ClaimOutcome[];
  openDirections: OpenDirectionOutcome[];
  counts: Record<ClaimStatus, number>;
  /** Where the records came from (a verify directory), if known. */
  source?: string;
}

export const matcherText = (m: CheckMatcher): string => (typeof m === 'string' ? m : `/${m.source}/${m.flags}`);

export function matches(m: CheckMatcher, checkName: string): boolean {
  return typeof m === 'string' ? checkName.startsWith(m) : m.test(checkName);
}

const roleExpect = (role: ClaimTest['role']): Verdict | undefined => (role === 'boundary' ? 'out-of-regime' : role === 'control' ? 'falsified' : undefined);

/** Combine verdicts: any falsified → falsified; all confirmed → confirmed; else out-of-regime. */
export function combine(verdicts: Verdict[]): Verdict {
  if (verdicts.some((v) => v === 'falsified')) return 'falsified';
  if (verdicts.length > 0 && verdicts.every((v) => v === 'confirmed')) return 'confirmed';
  return 'out-of-regime';
}

const labelOf = (r: AtlasRecord) => r.label ?? 'quick';

export function testOutcome(test: ClaimTest, records: AtlasRecord[]): TestOutcome {
  const mine = records.filter((r) => r.experiment === test.experiment && labelOf(r) === test.config);
  const expected = roleExpect(test.role);
  if (!mine.length) return { test, verdict: 'untested', ...(expected ? { expected } : {}), runs: [], unmatched: [] };
  const unmatched = new Set<string>();
  const verdicts: Verdict[] = [];
  const runs = mine.map((r) => {
    const checks = r.checks.filter((c) => test.checks.some((m) => matches(m, c.name)));
    for (const m of test.checks) if (!r.checks.some((c) => matches(m, c.name))) unmatched.add(matcherText(m));
    verdicts.push(r.status !== 'ok' || !checks.length ? 'out-of-regime' : combine(checks.map((c) => c.verdict)));
    return { ...(r.seed !== undefined ? { seed: r.seed } : {}), status: r.status, ...(r.report ? { report: r.report } : {}), checks, regime: r.regime ?? [] };
  });
  const verdict = combine(verdicts);
  return { test, verdict, ...(expected ? { expected, asExpected: verdict === expected } : {}), runs, unmatched: [...unmatched] };
}

export function claimOutcome(claim: Claim, records: AtlasRecord[]): ClaimOutcome {
  const tests = claim.tests.map((t) => testOutcome(t, records));
  const inRegime = tests.filter((t) => t.test.role === 'test');
  const fals = inRegime.filter((t) => t.verdict === 'falsified');
  const conf = inRegime.filter((t) => t.verdict === 'confirmed');
  const where = (ts: TestOutcome[]) => ts.map((t) => `${t.test.experiment} [${t.test.config}]`).join('; ');
  if (fals.length) return { claim, status: 'falsified', reason: `falsified by ${where(fals)}`, tests };
  if (conf.length) return { claim, status: 'confirmed', reason: `confirmed in regime by ${conf.length} of ${inRegime.length} configuration${inRegime.length > 1 ? 's' : ''}`, tests };
  const ran = inRegime.filter((t) => t.verdict !== 'untested');
  return { claim, status: 'untested', reason: ran.length ? `only out of regime so far (${where(ran)})` : 'not run yet', tests };
}

const zero = (): Record<ClaimStatus, number> => ({ confirmed: 0, falsified: 0, untested: 0 });

/** The atlas of every claim against the given records (none: every claim untested). */
export function buildAtlas(records: AtlasRecord[] = [], opts: { claims?: Claim[]; openDirections?: OpenDirection[]; source?: string } = {}): Atlas {
  const claims = (opts.claims ?? CLAIMS).map((c) => claimOutcome(c, records));
  const byId = new Map(claims.map((c) => [c.claim.id, c]));
  const counts = zero();
  for (const c of claims) counts[c.status]++;
  const openDirections = (opts.openDirections ?? OPEN_DIRECTIONS).map((direction) => {
    const k = zero();
    const exps = new Set<string>();
    for (const id of direction.claims) {
      const c = byId.get(id);
      if (!c) continue;
      k[c.status]++;
      for (const t of c.claim.tests) exps.add(t.experiment);
    }
    return { direction, counts: k, experiments: [...exps] };
  });
  return { claims, openDirections, counts, ...(opts.source ? { source: opts.source } : {}) };
}

/**
 * Static consistency of claims with the registered experiments: every experiment and configuration
 * named exists, every boundary is an expected out-of-regime configuration and every control an
 * expected falsified one, ids are unique, every open direction names known claims. (An in-regime
 * test may sit in an out-of-regime configuration: its own checks can be in regime there, e.g. the
 * exact discrete stationary loss where the SDE approximation fails.) Returns the problems.
 */
export function claimProblems(
  experiments: { name: string; quick: unknown; expect?: Verdict; variants?: { label: string; expect: Verdict }[] }[],
  claims: Claim[] = CLAIMS, openDirections: OpenDirection[] = OPEN_DIRECTIONS,
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const strands = new Set<StrandId>(STRANDS.map((s) => s.id));
  for (const c of claims) {
    if (seen.has(c.id)) problems.push(`claim ${c.id}: duplicate id`);
    seen.add(c.id);
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(c.id)) problems.push(`claim ${c.id}: id must be kebab-case`);
    if (!strands.has(c.strand)) problems.push(`claim ${c.id}: unknown strand ${c.strand}`);
    if (!c.tests.some((t) => t.role === 'test')) problems.push(`claim ${c.id}: no in-regime test`);
    for (const t of c.tests) {
      const e = experiments.find((x) => x.name === t.experiment);
      if (!e) { problems.push(`claim ${c.id}: no experiment named ${t.experiment}`); continue; }
      const expect = t.config === 'quick' ? e.expect ?? 'confirmed' : e.variants?.find((v) => v.label === t.config)?.expect;
      if (expect === undefined) { problems.push(`claim ${c.id}: ${t.experiment} has no configuration "${t.config}" (quick or one of: ${(e.variants ?? []).map((v) => v.label).join(' | ')})`); continue; }
      const want = roleExpect(t.role);
      if (want && expect !== want) problems.push(`claim ${c.id}: ${t.role} test ${t.experiment} [${t.config}] expects ${expect}, a ${t.role} must expect ${want}`);
      if (!t.checks.length) problems.push(`claim ${c.id}: ${t.experiment} [${t.config}] has no check matchers`);
    }
  }
  for (const d of openDirections) for (const id of d.claims) if (!seen.has(id)) problems.push(`open direction ${d.number}: no claim ${id}`);
  return problems;
}

/** The atlas as plain JSON (matchers as text). */
export function atlasJson(atlas: Atlas) {
  return {
    counts: atlas.counts,
    ...(atlas.source ? { source: atlas.source } : {}),
    strands: STRANDS,
    claims: atlas.claims.map((c) => ({
      id: c.claim.id, strand: c.claim.strand, section: c.claim.section, statement: c.claim.statement,
      ...(c.claim.equation ? { equation: c.claim.equation } : {}),
      sources: c.claim.sources, regime: c.claim.regime,
      ...(c.claim.reconstructed ? { reconstructed: c.claim.reconstructed } : {}),
      status: c.status, reason: c.reason,
      tests: c.tests.map((t) => ({
        experiment: t.test.experiment, config: t.test.config, role: t.test.role, checks: t.test.checks.map(matcherText),
        ...(t.test.note ? { note: t.test.note } : {}),
        verdict: t.verdict, ...(t.expected ? { expected: t.expected } : {}), ...(t.asExpected !== undefined ? { asExpected: t.asExpected } : {}),
        ...(t.unmatched.length ? { unmatched: t.unmatched } : {}),
        runs: t.runs.map((r) => ({ ...r, checks: r.checks.map((k) => ({ name: k.name, quantity: k.quantity, predicted: k.predicted, measured: k.measured, ...(k.uncertainty !== undefined ? { uncertainty: k.uncertainty } : {}), tolerance: k.tolerance, verdict: k.verdict, ...(k.note ? { note: k.note } : {}) })) })),
      })),
    })),
    openDirections: atlas.openDirections.map((o) => ({ ...o.direction, counts: o.counts, experiments: o.experiments })),
  };
}

/** Rows of the terminal table: claim × status × in-regime verdicts × known failures. */
export function atlasRows(atlas: Atlas): string[][] {
  const head = ['claim', 'strand', 'status', 'in-regime tests', 'where it stops (boundary / control)'];
  const short = (t: TestOutcome) => `${t.test.experiment}${t.test.config === 'quick' ? '' : ` [${t.test.config.length > 28 ? t.test.config.slice(0, 27) + '…' : t.test.config}]`}: ${t.verdict}`;
  return [head, ...atlas.claims.map((c) => [
    c.claim.id, STRANDS.find((s) => s.id === c.claim.strand)!.section, c.status,
    [...new Set(c.tests.filter((t) => t.test.role === 'test').map(short))].join('; '),
    [...new Set(c.tests.filter((t) => t.test.role !== 'test').map((t) => short(t) + (t.asExpected === false ? ' (unexpected)' : '')))].join('; ') || '—',
  ])];
}
