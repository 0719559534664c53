/**
 * `lmech atlas [--json] [--from DIR] [--site OUT]`: the claims of the paper's five strands ×
 * their latest verdicts (src/lab/claims.ts, statuses derived in src/lab/atlas.ts).
 *
 *   --from DIR   a `lmech verify --out DIR` directory: the records of its entries (each
 *                subdirectory's report.json). Without it nothing is run and every claim reads
 *                "untested".
 *   --site OUT   also build the static site there from those records (src/reports/atlas-site.ts).
 */
import type { Command } from 'commander';
import { existsSync, readdirSync } from 'node:fs';
import { ConfigError } from '../../experiments/config.js';
import { atlasJson, atlasRows, buildAtlas, type AtlasRecord } from '../../lab/atlas.js';
import { buildSite, readVerifyDir, type VerifyEntry } from '../../reports/atlas-site.js';
import { table } from '../../reports/table.js';

/** The site directory must be new or empty: a site never mixes with other files. */
export function checkSiteDir(dir: string, flag = '--site'): void {
  if (existsSync(dir) && readdirSync(dir).length) throw new ConfigError(`${flag} ${dir}: not empty (give a new or empty directory)`);
}

export function register(program: Command): void {
  program.command('atlas').description('the claims of the five strands × their latest verdicts (from a verify --out directory, or untested)')
    .option('--json', 'print the atlas as one JSON object')
    .option('--from <dir>', 'a `lmech verify --out` directory to read the latest verdicts from')
    .option('--site <dir>', 'also build the static site (map, a page per claim, reports, live lab) in this new or empty directory')
    .option('--no-lab', 'with --site: without the live lab (no vite build)')
    .action(async (o: { json?: boolean; from?: string; site?: string; lab?: boolean }) => {
      let entries: VerifyEntry[] = [];
      if (o.from) {
        try { entries = readVerifyDir(o.from); } catch (e) { throw new ConfigError((e as Error).message); }
        if (!entries.length) throw new ConfigError(`--from ${o.from}: no entry with a report.json (is it a \`lmech verify --out\` directory?)`);
      }
      if (o.site) checkSiteDir(o.site);
      const records: AtlasRecord[] = entries.map((e) => e.record);
      const atlas = o.site
        ? (await buildSite(o.site, entries, { lab: o.lab === false ? false : 'auto', ...(o.from ? { source: o.from } : {}) })).atlas
        : buildAtlas(records, o.from ? { source: o.from } : {});
      if (o.json) { process.stdout.write(JSON.stringify(atlasJson(atlas)) + '\n'); return; }
      const width = process.stdout.isTTY ? process.stdout.columns : undefined;
      process.stdout.write(table(atlasRows(atlas), process.stdout.isTTY, { maxWidth: width }) + '\n\n');
      const { confirmed, falsified, untested } = atlas.counts;
      process.stdout.write(`${atlas.claims.length} claims: ${confirmed} confirmed in regime, ${falsified} falsified, ${untested} untested${o.from ? '' : ' (no --from DIR: nothing run)'}; ${atlas.openDirections.length} open directions\n`);
      const stale = atlas.claims.flatMap((c) => c.tests.filter((t) => t.unmatched.length).map((t) => `${c.claim.id}: ${t.test.experiment} [${t.test.config}] no check matches ${t.unmatched.join(', ')}`));
      if (stale.length) process.stdout.write(`stale matchers:\n  ${stale.join('\n  ')}\n`);
      if (o.site) process.stdout.write(`site: ${o.site}/index.html\n`);
    });
}
