// build.mjs - bundle the report's front end (src/main.js and the stylesheet it imports) into
// dist/report.js and dist/report.css, which the C build compiles into humsec
// (report/embed.cmake). `node build.mjs --check` rebuilds in memory and fails if the
// committed dist/ files differ from what the sources and the locked packages give.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const check = process.argv.includes('--check');
const result = await build({
  entryPoints: [join(here, 'src/main.js')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2019',
  legalComments: 'none',
  charset: 'utf8',
  outfile: join(here, 'dist/report.js'),
  write: !check,
  logLevel: check ? 'silent' : 'info',
});
if (check) {
  let stale = 0;
  for (const f of result.outputFiles) {
    let old = '';
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
  console.log('report bundle: dist/ matches a rebuild of src/');
}
