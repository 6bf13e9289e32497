// build.mjs - bundle the front ends: the report (src/main.js and the stylesheet it imports)
// into dist/report.js and dist/report.css, and the dashboard that `humsec serve` sends
// (src/dashboard/main.js) into dist/dashboard.js and dist/dashboard.css, with its page
// src/dashboard/index.html copied to dist/dashboard.html. The C build compiles these files
// into humsec (web/embed.cmake). `node build.mjs --check` rebuilds in memory and fails
// if the committed dist/ files differ from what the sources and the locked packages give.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const check = process.argv.includes('--check');
const bundles = [
  ['src/main.js', 'dist/report.js'],
  ['src/dashboard/main.js', 'dist/dashboard.js'],
];
const outputs = []; // {path, text}
for (const [entry, out] of bundles) {
  const result = await build({
    entryPoints: [join(here, entry)],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2019',
    legalComments: 'none',
    charset: 'utf8',
    outfile: join(here, out),
    write: false,
    logLevel: check ? 'silent' : 'info',
  });
  for (const f of result.outputFiles) outputs.push({ path: f.path, text: f.text });
}
outputs.push({ path: join(here, 'dist/dashboard.html'), text: readFileSync(join(here, 'src/dashboard/index.html'), 'utf8') });

if (!check) {
  for (const f of outputs) {
    writeFileSync(f.path, f.text);
    if (f.path.endsWith('.html')) console.log(`  ${relative(here, f.path)}  ${(f.text.length / 1024).toFixed(1)}kb`);
  }
} else {
  let stale = 0;
  for (const f of outputs) {
    let old;
    try {
      old = readFileSync(f.path, 'utf8');
    } catch {
      old = null;
    }
    if (old !== f.text) {
      console.log(`stale: ${relative(here, f.path)} differs from a rebuild (run 'make report-js')`);
      stale++;
    }
  }
  if (stale) process.exit(1);
  console.log(`front-end bundles: dist/ matches a rebuild of src/ (${outputs.length} files)`);
}
