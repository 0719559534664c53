/**
 * The embedded pool-4 digits (src/data/digits.generated.ts, written by scripts/build-digits.mjs)
 * against the `mnist` package read with node:fs: the same block sums, hence bit-identical
 * datasets for every seed and subset; and both against plain floating-point averaging of the
 * package's pixel values.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { averagePool, decodeDigitCells, loadDigits, loadMnist, MnistUnavailableError, type Dataset } from '../src/data/mnist.js';
import { digitsBase64, digitsCounts, digitsPool, digitsScale } from '../src/data/digits.generated.js';

const mnistDir = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
const packageDigits = (k: number): number[] => (JSON.parse(readFileSync(join(mnistDir, 'src', 'digits', `${k}.json`), 'utf8')) as { data: number[] }).data;

/** Bitwise equality of two float64 arrays (distinguishes −0 from 0 and every last bit). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function expectIdentical(a: Dataset, b: Dataset): void {
  expect(sameBits(a.X, b.X)).toBe(true);
  expect(sameBits(a.Y, b.Y)).toBe(true);
  expect([...a.labels]).toEqual([...b.labels]);
  expect([a.n, a.d, a.classes, a.source, a.description]).toEqual([b.n, b.d, b.classes, b.source, b.description]);
}

describe('embedded MNIST digits (pool 4)', () => {
  it('decodes the token stream: zero runs and two-byte values', () => {
    // [run of 3 zeros] [value 16000] [run of 1 zero] [value 1]
    const bytes = [0x02, 0x80 | (16000 >> 8), 16000 & 0xff, 0x00, 0x80, 0x01];
    expect([...decodeDigitCells(Buffer.from(bytes).toString('base64'), 6)]).toEqual([0, 0, 0, 16000, 0, 1]);
    expect(() => decodeDigitCells(Buffer.from(bytes).toString('base64'), 7)).toThrow(/decoded 6 cells, expected 7/);
  });

  it('holds every image of the package, with the exact 4×4 block sums of 1000·pixel', () => {
    expect(digitsPool).toBe(4);
    expect(digitsScale).toBe(1000);
    for (let k = 0; k < 10; k++) {
      const px = packageDigits(k);
      const n = px.length / 784;
      expect(digitsCounts[k]).toBe(n);
      const cells = decodeDigitCells(digitsBase64[k], n * 49);
      const mean = new Float64Array(49);
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const img = px.slice(i * 784, (i + 1) * 784);
        // Exact route: integers m = 1000·pixel (the package's pixels are 3-digit decimals).
        for (let r = 0; r < 7; r++) {
          for (let c = 0; c < 7; c++) {
            let s = 0;
            for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) s += Math.round(img[(r * 4 + a) * 28 + c * 4 + b] * 1000);
            if (cells[i * 49 + r * 7 + c] !== s) throw new Error(`digit ${k}, image ${i}, cell (${r}, ${c}): ${cells[i * 49 + r * 7 + c]} ≠ ${s}`);
          }
        }
        // Independent route: floating-point average of the package's values (summation rounding only).
        averagePool(img, 28, 4, mean);
        for (let j = 0; j < 49; j++) worst = Math.max(worst, Math.abs(mean[j] - cells[i * 49 + j] / 16000));
      }
      expect(worst).toBeLessThan(1e-15);
    }
  });

  it('gives datasets bit-identical to the node:fs path, for several seeds and subsets', async () => {
    const configs = [
      { samples: 300, pool: 4, seed: 0 }, // edge-of-stability quick
      { samples: 500, pool: 4, seed: 0 }, // edge-of-stability / catapult defaults
      { samples: 200, pool: 4, classes: 3, seed: 7 },
      { samples: 8630, pool: 4, seed: 123 }, // all 863 images of the smallest class, from each class
    ];
    for (const c of configs) {
      const embedded = await loadMnist({ ...c, from: 'embedded' });
      const pkg = await loadMnist({ ...c, from: 'package' });
      const auto = await loadMnist(c);
      expect(embedded.n).toBe(c.samples);
      expectIdentical(embedded, pkg);
      expectIdentical(auto, pkg);
    }
  });

  it('other pools read the package (embedded refuses); subsets beyond the package are refused alike', async () => {
    await expect(loadMnist({ samples: 40, pool: 2, from: 'embedded' })).rejects.toBeInstanceOf(MnistUnavailableError);
    const p2 = await loadDigits({ data: 'mnist', samples: 40, pool: 2, seed: 1 });
    expect([p2.source, p2.d, p2.n]).toEqual(['mnist', 196, 40]);
    await expect(loadMnist({ samples: 9000, pool: 4, from: 'embedded' })).rejects.toThrow(/digit 5 has only 863 images/);
    await expect(loadMnist({ samples: 9000, pool: 4, from: 'package' })).rejects.toThrow(/digit 5 has only 863 images/);
  });
});
