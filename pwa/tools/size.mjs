// First-load transfer size of the home screen (HTML + CSS + JS, gzip), from static/build-manifest.json.
// `node pwa/tools/size.mjs [--check]`: --check exits 1 when over the budget.
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const BUDGET = 150 * 1024;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

async function gz(dir, u) {
  const data = await fs.readFile(path.join(dir, u));
  return { url: u, raw: data.length, gzip: gzipSync(data, { level: 9 }).length };
}

export async function firstLoadReport(dir) {
  const m = JSON.parse(await fs.readFile(path.join(dir, 'build-manifest.json'), 'utf8'));
  const base = await Promise.all([m.firstLoad.html, m.firstLoad.css, ...m.firstLoad.js].map((u) => gz(dir, u)));
  const langs = await Promise.all(Object.values(m.firstLoad.i18n).map((u) => gz(dir, u)));
  const lang = langs.sort((a, b) => b.gzip - a.gzip)[0]; // the larger catalogue: worst case
  const files = [...base, lang];
  const total = files.reduce((s, f) => s + f.gzip, 0);
  const map = await Promise.all((m.map || []).filter((u) => !files.some((f) => f.url === u)).map((u) => gz(dir, u)));
  const mapTotal = map.reduce((s, f) => s + f.gzip, 0);
  return { files, total, map, withMap: total + mapTotal, budget: BUDGET };
}

export function printReport(r) {
  console.log('First load of the home screen (gzip -9):');
  for (const f of r.files) console.log(`  ${f.url.padEnd(34)} ${kb(f.raw).padStart(10)} raw ${kb(f.gzip).padStart(10)} gzip`);
  console.log(`  total before the map: ${kb(r.total)}; with the lazily loaded map code: ${kb(r.withMap)} (budget ${kb(r.budget)})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../static');
  const report = await firstLoadReport(dir);
  printReport(report);
  if (process.argv.includes('--check') && report.withMap > report.budget) {
    console.error(`over budget: ${kb(report.withMap)} > ${kb(report.budget)}`);
    process.exit(1);
  }
}
