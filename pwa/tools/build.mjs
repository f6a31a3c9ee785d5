// Builds pwa/ into static/: hashed ES module chunks and CSS, index.html, manifest, icons and the
// service worker (a classic script whose cache version is the hash of everything it precaches).
// The new build is written next to static/ and swapped in at the end, so a running server never
// serves half a build.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { logoPng, logoSvg, THEME } from './icons.mjs';
import { firstLoadReport, printReport } from './size.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PWA = path.join(ROOT, 'pwa');
const OUT = path.join(ROOT, 'static');
const CACHE = path.join(ROOT, 'node_modules/.cache/cityloop');
const TMP = path.join(CACHE, 'static-next');
// Hand-made files committed in static/ (everything else there is build output, ignored by git).
const HAND_MADE = ['README.md', 'robots.txt'];
const TARGET = ['es2020', 'chrome90', 'edge90', 'firefox90', 'safari15'];
const rel = (p) => path.relative(ROOT, p).split(path.sep).join('/');
const url = (file) => `/${path.relative(TMP, path.resolve(ROOT, file)).split(path.sep).join('/')}`;
const sha = (data) => createHash('sha256').update(data).digest('hex');

async function sourceHash() {
  const files = [];
  const walk = async (dir) => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) { if (e.name !== 'tests') await walk(p); } else files.push(p);
    }
  };
  await walk(PWA);
  const h = createHash('sha256');
  for (const f of files.sort()) h.update(rel(f)).update(await fs.readFile(f));
  h.update(await fs.readFile(path.join(ROOT, 'package-lock.json')));
  return h.digest('hex').slice(0, 12);
}

async function buildCss() {
  const result = await esbuild.build({
    entryPoints: [path.join(PWA, 'src/styles/app.css')],
    bundle: true, minify: true, metafile: true, target: TARGET,
    outdir: path.join(TMP, 'assets'), entryNames: '[name]-[hash]', logLevel: 'warning',
  });
  return Object.keys(result.metafile.outputs).map(url).find((u) => u.endsWith('.css'));
}

async function buildJs(version) {
  const result = await esbuild.build({
    entryPoints: [path.join(PWA, 'src/main.js')],
    bundle: true, splitting: true, format: 'esm', minify: true, metafile: true, target: TARGET,
    outdir: path.join(TMP, 'assets'), entryNames: '[name]-[hash]', chunkNames: 'c-[hash]', assetNames: '[name]-[hash]',
    loader: { '.css': 'text' },
    define: { __BUILD_VERSION__: JSON.stringify(version) },
    logLevel: 'warning',
  });
  const outputs = {};
  for (const [file, info] of Object.entries(result.metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    outputs[url(file)] = {
      entryPoint: info.entryPoint ? rel(path.resolve(ROOT, info.entryPoint)) : null,
      imports: info.imports.filter((i) => i.kind === 'import-statement').map((i) => url(i.path)),
    };
  }
  return outputs;
}

/** A chunk and everything it imports statically (what the browser must fetch to run it). */
function closure(outputs, start) {
  const seen = new Set();
  const visit = (u) => { if (!seen.has(u)) { seen.add(u); (outputs[u]?.imports || []).forEach(visit); } };
  visit(start);
  return [...seen];
}
const byEntry = (outputs, entry) => Object.keys(outputs).find((u) => outputs[u].entryPoint === entry);

/** Icons are rendered once per version of the icon code, then reused from node_modules/.cache. */
async function writeIcons() {
  const dir = path.join(TMP, 'icons');
  const codeHash = sha(await fs.readFile(path.join(PWA, 'tools/icons.mjs')) + await fs.readFile(path.join(PWA, 'tools/png.mjs'))).slice(0, 12);
  const cached = path.join(CACHE, `icons-${codeHash}`);
  if (!(await fs.stat(cached).catch(() => null))) {
    const work = `${cached}.tmp`;
    await fs.mkdir(work, { recursive: true });
    await fs.writeFile(path.join(work, 'icon.svg'), logoSvg());
    const sizes = [
      ['icon-192.png', 192, {}], ['icon-512.png', 512, {}],
      ['maskable-192.png', 192, { maskable: true }], ['maskable-512.png', 512, { maskable: true }],
      ['apple-touch-icon.png', 180, { maskable: true }], ['badge-96.png', 96, { mono: true }],
      ['shortcut-report-96.png', 96, {}],
    ];
    for (const [name, size, opts] of sizes) await fs.writeFile(path.join(work, name), logoPng(size, opts));
    await fs.rename(work, cached);
  }
  await fs.cp(cached, dir, { recursive: true });
}

function manifest() {
  const icon = (src, size, purpose) => ({ src, sizes: `${size}x${size}`, type: 'image/png', purpose });
  return {
    id: '/',
    name: 'CityLoop',
    short_name: 'CityLoop',
    description: 'Report a problem in your city in seconds, follow it live, and take part in proposals.',
    lang: 'en',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    orientation: 'portrait',
    background_color: '#f4f6f8',
    theme_color: THEME,
    categories: ['government', 'utilities'],
    icons: [
      icon('/icons/icon-192.png', 192, 'any'), icon('/icons/icon-512.png', 512, 'any'),
      icon('/icons/maskable-192.png', 192, 'maskable'), icon('/icons/maskable-512.png', 512, 'maskable'),
      { src: '/icons/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
    ],
    shortcuts: [{
      name: 'Report a problem', short_name: 'Report', url: '/report',
      description: 'Take a photo and report a problem', icons: [icon('/icons/shortcut-report-96.png', 96, 'any')],
    }, { name: 'My cases', short_name: 'My cases', url: '/my' }],
  };
}

async function listFiles(dir) {
  const out = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...await listFiles(p)); else out.push(p);
  }
  return out;
}

// Pre-compressed copies (name.gz) that the server sends to browsers accepting gzip, so no
// request pays for compression.
const COMPRESSIBLE = /\.(js|css|html|json|webmanifest|svg|txt)$/;
async function writeGzipSiblings(dir) {
  for (const file of await listFiles(dir)) {
    if (!COMPRESSIBLE.test(file)) continue;
    await fs.writeFile(`${file}.gz`, gzipSync(await fs.readFile(file), { level: 9 }));
  }
}

async function main() {
  const started = Date.now();
  await fs.rm(TMP, { recursive: true, force: true });
  await fs.mkdir(TMP, { recursive: true });
  await fs.mkdir(OUT, { recursive: true });
  const version = await sourceHash();

  const [css, outputs] = await Promise.all([buildCss(), buildJs(version), writeIcons()]).then(([c, o]) => [c, o]);
  const entry = byEntry(outputs, 'pwa/src/main.js');
  const entryClosure = closure(outputs, entry);
  const home = byEntry(outputs, 'pwa/src/screens/home.js');
  const langs = { en: byEntry(outputs, 'pwa/src/i18n/en.json'), 'zh-CN': byEntry(outputs, 'pwa/src/i18n/zh-CN.json') };

  const sprite = (await fs.readFile(path.join(PWA, 'src/icons.svg'), 'utf8')).trim();
  const head = [
    `<link rel="stylesheet" href="${css}">`,
    ...entryClosure.filter((u) => u !== entry).map((u) => `<link rel="modulepreload" href="${u}">`),
    `<script type="module" src="${entry}"></script>`,
  ].join('\n');
  const template = await fs.readFile(path.join(PWA, 'index.html'), 'utf8');
  await fs.writeFile(path.join(TMP, 'index.html'), template.replace('<!--build:head-->', head).replace('<!--build:sprite-->', sprite));
  await fs.writeFile(path.join(TMP, 'manifest.webmanifest'), `${JSON.stringify(manifest(), null, 2)}\n`);

  // The worker precaches every file of this build; its cache version is their combined hash.
  const files = (await listFiles(TMP)).sort();
  const precache = files.map(url).filter((u) => !u.endsWith('.map') && u !== '/robots.txt');
  const contentHash = createHash('sha256');
  for (const f of files) contentHash.update(url(f)).update(await fs.readFile(f));
  const swVersion = contentHash.digest('hex').slice(0, 12);
  await esbuild.build({
    entryPoints: [path.join(PWA, 'sw/index.js')],
    bundle: true, format: 'iife', minify: true, target: TARGET, outfile: path.join(TMP, 'sw.js'),
    define: { __SW_VERSION__: JSON.stringify(swVersion), __PRECACHE__: JSON.stringify(precache) },
    logLevel: 'warning',
  });

  const homeClosure = [...new Set([...entryClosure, ...closure(outputs, home)])];
  const buildManifest = {
    version: swVersion, source: version, entry, css,
    firstLoad: { html: '/index.html', css, js: homeClosure, i18n: langs },
    map: [...new Set(['pwa/src/map.js', 'node_modules/leaflet/dist/leaflet-src.js', 'node_modules/leaflet/dist/leaflet.css']
      .map((e) => byEntry(outputs, e)).filter(Boolean).flatMap((u) => closure(outputs, u)))],
    chunks: Object.fromEntries(Object.entries(outputs).filter(([, o]) => o.entryPoint).map(([u, o]) => [o.entryPoint, u])),
  };
  await fs.writeFile(path.join(TMP, 'build-manifest.json'), `${JSON.stringify(buildManifest, null, 2)}\n`);
  await writeGzipSiblings(TMP);
  for (const name of HAND_MADE) await fs.copyFile(path.join(OUT, name), path.join(TMP, name)).catch(() => {});

  const old = path.join(CACHE, 'static-old');
  await fs.rm(old, { recursive: true, force: true });
  await fs.rename(OUT, old).catch(() => {});
  await fs.rename(TMP, OUT);
  await fs.rm(old, { recursive: true, force: true });

  console.log(`build-pwa: ${precache.length + 1} built files in static/ (version ${swVersion}) in ${Date.now() - started} ms`);
  printReport(await firstLoadReport(OUT));
}

main().catch((e) => { console.error(e); process.exit(1); });
