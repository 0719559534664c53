/** Link checking for the static atlas site (test/atlas.test.ts, test/atlas-site.e2e.test.ts). */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseHTML } from 'linkedom';

/** Every relative href/src of every HTML page under `root` resolves to a file. */
export function brokenLinks(root: string): string[] {
  const pages: string[] = [];
  const walk = (d: string) => { for (const f of readdirSync(d)) { const p = join(d, f); if (statSync(p).isDirectory()) walk(p); else if (p.endsWith('.html')) pages.push(p); } };
  walk(root);
  const broken: string[] = [];
  for (const p of pages) {
    if (p.includes(`${join(root, 'lab')}/`)) continue; // the vite build: its own assets
    const { document } = parseHTML(readFileSync(p, 'utf8'));
    for (const el of Array.from(document.querySelectorAll('a[href], img[src], script[src], link[href]'))) {
      const url = el.getAttribute('href') ?? el.getAttribute('src') ?? '';
      if (/^(https?:|mailto:)/.test(url)) continue;
      const path = url.split('#')[0].split('?')[0];
      if (!path) continue; // an anchor on the same page
      const target = resolve(dirname(p), decodeURIComponent(path));
      if (!existsSync(target)) broken.push(`${p}: ${url}`);
    }
  }
  return broken;
}
