/**
 * Saving a figure from a browser: SVG as drawn (standalone, see figure-export.ts), PNG by
 * drawing that SVG on a canvas at 2× (white behind it), CSV from the series rows. The page
 * imports the functions; the static HTML report carries the same steps as a small inline
 * script (REPORT_SCRIPT), since it has no module loader, with its data embedded as JSON.
 */

/** Offer `blob` as a download named `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** A standalone SVG document as a PNG blob, `scale` pixels per SVG unit, on white. */
export function svgToPngBlob(svg: string, scale = 2): Promise<Blob> {
  const size = (k: string) => Number(new RegExp(`<svg[^>]*\\s${k}="([\\d.]+)"`).exec(svg)?.[1] ?? 0);
  const w = size('width') || 640, h = size('height') || 320;
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const c = document.createElement('canvas');
      c.width = Math.round(w * scale);
      c.height = Math.round(h * scale);
      const g = c.getContext('2d');
      if (!g) { reject(new Error('no 2D canvas')); return; }
      g.fillStyle = '#fff';
      g.fillRect(0, 0, c.width, c.height);
      g.drawImage(img, 0, 0, c.width, c.height);
      c.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png');
    };
    img.onerror = () => reject(new Error('the SVG did not load as an image'));
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  });
}

/**
 * The report's inline script: buttons `[data-download=svg|png|csv]` inside a
 * `section[data-file][data-series]` save that section's `.figure-body > svg` (as drawn) or the
 * CSV of its series from `<script type="application/json" id="lmech-figure-data">`.
 */
export const REPORT_SCRIPT = `(() => {
  const data = JSON.parse(document.getElementById('lmech-figure-data').textContent || '{}');
  const save = (blob, name) => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob); a.download = name;
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  };
  const svgOf = (sec) => {
    const el = sec.querySelector('.figure-body > svg');
    return el ? new XMLSerializer().serializeToString(el) : null;
  };
  const png = (svg, scale) => new Promise((resolve, reject) => {
    const size = (k) => Number((new RegExp('<svg[^>]*\\\\s' + k + '="([\\\\d.]+)"').exec(svg) || [])[1] || 0);
    const w = size('width') || 640, h = size('height') || 320;
    const img = new Image();
    img.onload = () => {
      const c = document.createElement('canvas');
      c.width = Math.round(w * scale); c.height = Math.round(h * scale);
      const g = c.getContext('2d');
      g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height);
      g.drawImage(img, 0, 0, c.width, c.height);
      c.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png');
    };
    img.onerror = () => reject(new Error('the SVG did not load as an image'));
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
  });
  document.addEventListener('click', (ev) => {
    const b = ev.target.closest && ev.target.closest('button[data-download]');
    if (!b) return;
    const sec = b.closest('section[data-file]');
    const name = sec.dataset.file, kind = b.dataset.download;
    if (kind === 'csv') return save(new Blob([data[sec.dataset.series] || ''], { type: 'text/csv' }), name + '.csv');
    const svg = svgOf(sec);
    if (!svg) return;
    if (kind === 'svg') return save(new Blob([svg], { type: 'image/svg+xml' }), name + '.svg');
    png(svg, 2).then((blob) => save(blob, name + '.png'), (e) => alert('PNG: ' + e.message));
  });
})();`;
