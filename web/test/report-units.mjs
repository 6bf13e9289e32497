// report-units.mjs - open the report of an index whose units are not countries (the test
// fixture tests/cli/districts: ten districts D01..D10, a boundary file of squares named by
// the pipeline's [report] section) in headless Chromium and check what a reader sees: the
// map drawn from the boundary file with a filled shape per district (and no world map),
// "units", never "countries", names from the data's uName, and the imputed value named as
// imputed in the profile, not among what pulls the score down. Expectations come from the
// build's CSV files, not from the page.
//
// usage: node report-units.mjs REPORT.html BUILD_DIR ARTEFACT_DIR CHROMIUM [NOMAP_REPORT.html]
// NOMAP_REPORT: the same build reported without a boundary file: no map section at all.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openBrowser, readCsv, num } from './lib.mjs';

const [report, buildDir, artefacts, exe = '/usr/bin/chromium', nomap = null] = process.argv.slice(2);
if (!report || !buildDir || !artefacts) {
  console.error('usage: node report-units.mjs REPORT.html BUILD_DIR ARTEFACT_DIR [CHROMIUM [NOMAP.html]]');
  process.exit(2);
}
const failures = [];
const fail = (msg) => failures.push(msg);

const agg = readCsv(join(buildDir, 'Aggregated.csv'));
const raw = readCsv(join(buildDir, 'Raw.csv'));
const summary = JSON.parse(readFileSync(join(buildDir, 'summary.json'), 'utf8'));
const codes = agg.rows.map((r) => r.uCode);
const names = new Map(agg.rows.map((r) => [r.uCode, r.uName]));
const top = summary.index;
const indCols = raw.head.filter((h) => !['uCode', 'uName', 'Time'].includes(h));
// imputed: missing in Raw.csv, present in Aggregated.csv
const imputed = [];
for (const r of raw.rows)
  for (const i of indCols) {
    const a = agg.rows.find((x) => x.uCode === r.uCode);
    if (isNaN(num(r[i])) && a && !isNaN(num(a[i]))) imputed.push([r.uCode, i]);
  }
if (!imputed.length) fail('fixture: no imputed value in the build (expected one)');

const b = await openBrowser(exe, fail);
try {
  const page = await b.open(report);
  const filled = await page.$$eval('#map path.country.scored[data-code]', (ps) =>
    ps.filter((p) => p.getAttribute('fill') && p.getAttribute('fill') !== '#d9dde3').map((p) => p.dataset.code)
  );
  for (const c of codes) if (!filled.includes(c)) fail(`map: no filled shape for ${c}`);
  if (filled.length !== codes.length) fail(`map: ${filled.length} filled shapes, expected ${codes.length}`);
  const source = await page.$eval('#map', (s) => s.dataset.source);
  if (source !== 'boundaries') fail(`map: drawn from ${source}, expected the boundary file`);
  const missing = await page.$eval('#map .map-missing', (p) => p.textContent);
  if (/not on the map/i.test(missing)) fail(`map: says "${missing.slice(0, 80)}"`);
  // each shape is a real square on screen, not the sphere minus a square
  const boxes = await page.$$eval('#map path.country.scored', (ps) => ps.map((p) => p.getBoundingClientRect()).map((r) => [r.width, r.height]));
  const mapBox = await page.$eval('#map .map-wrap svg', (s) => s.getBoundingClientRect().width);
  for (const [w, h] of boxes) if (!(w > 10 && w < mapBox / 3 && Math.abs(w - h) < w * 0.2)) fail(`map: a shape is ${w.toFixed(0)}x${h.toFixed(0)} px, not a small square`);

  const text = await page.$eval('#app', (a) => a.innerText);
  const lede = await page.$eval('.hero .lede', (p) => p.textContent);
  if (!lede.includes(`${codes.length} units`)) fail(`header: "${lede.trim().slice(0, 90)}" does not say ${codes.length} units`);
  if (/countr/i.test(text)) fail(`the page says "country": ...${text.slice(text.search(/countr/i) - 40, text.search(/countr/i) + 30)}...`);
  const rowNames = await page.$$eval('table.ranking tbody tr[data-code]', (rs) =>
    rs.map((r) => [r.dataset.code, r.querySelector('td.country').firstChild.textContent.trim()])
  );
  for (const [c, n] of rowNames) if (names.get(c) !== n) fail(`table: ${c} is named "${n}", uName is "${names.get(c)}"`);
  if (rowNames.length !== codes.length) fail(`table: ${rowNames.length} rows, expected ${codes.length}`);
  await page.screenshot({ path: join(artefacts, 'units-report.png'), fullPage: true });
  const px = await b.pixels(page, await page.locator('#map .map-wrap').screenshot({ path: join(artefacts, 'units-map.png') }));
  if (px.colours < 8 || px.ink < 0.05) fail(`map: the picture is blank (${px.colours} colours, ${(px.ink * 100).toFixed(1)} % ink)`);

  // the imputed value: named as imputed, not among the pulls
  for (const [c, ind] of imputed) {
    await page.click(`table.ranking tbody tr[data-code="${c}"]`);
    await page.waitForSelector('.profile:not([hidden])', { timeout: 5000 });
    const marked = await page.$$eval('.profile .imputed[data-ind]', (xs) => xs.map((x) => x.dataset.ind));
    if (!marked.includes(ind)) fail(`profile of ${c}: ${ind} is not marked as imputed`);
    const pulls = await page.$$eval('.profile ol.pulls .pull-name', (xs) => xs.map((x) => x.firstChild.textContent.trim()));
    const meta = summary && (await page.evaluate(() => JSON.parse(document.getElementById('hs-data').textContent).indicators));
    const indName = (meta.find((m) => m.code === ind) || {}).name;
    if (pulls.includes(indName)) fail(`profile of ${c}: the imputed ${ind} is shown as a weakness`);
    await page.screenshot({ path: join(artefacts, 'units-profile.png') });
    await page.click('.profile .close');
  }
  if (!top) fail('summary.json names no index');

  if (nomap) {
    const p2 = await b.open(nomap);
    if (await p2.$('#map')) fail('without a boundary file: a map section is drawn for units that are not countries');
    const t2 = await p2.$eval('#app', (a) => a.innerText);
    if (/countr/i.test(t2)) fail('without a boundary file: the page says "country"');
    if (!/No map: the unit codes are not ISO/.test(t2)) fail('without a boundary file: the page does not say why there is no map');
  }
  console.log(`units report: ${codes.length} units, ${filled.length} shapes filled, ${imputed.length} imputed value(s) marked; screenshots in ${artefacts}`);
} catch (e) {
  fail(`browser: ${e.message}`);
} finally {
  await b.close();
}
for (const f of failures) console.log(`FAIL: ${f}`);
process.exit(failures.length ? 1 : 0);
