// browser.mjs - open a report written by `humsec report` in headless Chromium and check what
// a reader would see: no console errors and no network requests, a filled map path for
// every scored country that has a shape, one table row per scored country, and a country
// profile that opens on a click in the table and on the map; with a forecast summary, the
// watchlist's rows in the order of P(>= 25 within 3 months) computed here from the summary,
// and its map. Screenshots are kept.
//
// usage: node browser.mjs REPORT.html BUILD_DIR ARTEFACT_DIR [CHROMIUM [FORECAST_SUMMARY.csv]]
// The expected countries come from BUILD_DIR/summary.json and the shipped map and code
// tables, not from the page. Exit 0 when every check passes, 1 otherwise.
import { chromium } from 'playwright-core';
import { readFileSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [report, buildDir, artefacts, exe = '/usr/bin/chromium', fcSummary = null] = process.argv.slice(2);
if (!report || !buildDir || !artefacts) {
  console.error('usage: node browser.mjs REPORT.html BUILD_DIR ARTEFACT_DIR [CHROMIUM]');
  process.exit(2);
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const failures = [];
const fail = (msg) => failures.push(msg);

// What the page must show, from independent sources.
const summary = JSON.parse(readFileSync(join(buildDir, 'summary.json'), 'utf8'));
const scored = summary.scores.filter((s) => typeof s.score === 'number').map((s) => s.uCode);
const codes = JSON.parse(readFileSync(join(root, 'data/geo/i18n-iso-countries_codes.json'), 'utf8'));
const topo = JSON.parse(readFileSync(join(root, 'data/geo/countries-50m.json'), 'utf8'));
const num = new Map(codes.map((c) => [c[1], c[2]]));
const ids = new Set(topo.objects.countries.geometries.map((g) => g.id).filter((id) => id != null));
const mapped = scored.filter((c) => ids.has(num.get(c)) && num.get(c) !== '010');

const userDir = mkdtempSync(join(tmpdir(), 'humsec-chromium-'));
mkdirSync(artefacts, { recursive: true });
const context = await chromium.launchPersistentContext(userDir, {
  executablePath: exe,
  headless: true,
  viewport: { width: 1280, height: 900 },
  reducedMotion: 'reduce',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  // The page must need nothing from outside: any request other than the file itself fails.
  const url = pathToFileURL(resolve(report)).href;
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url) return route.continue();
    fail(`network request from the page: ${u}`);
    return route.abort();
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') fail(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => fail(`page error: ${e.message}`));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });

  // Map: one filled path per mapped scored country.
  const fills = await page.$$eval('#map path.country.scored[data-code]', (ps) =>
    ps.map((p) => [p.dataset.code, p.getAttribute('fill')])
  );
  const filled = new Set(fills.filter(([, f]) => f && f !== 'none' && f !== '#d9dde3').map(([c]) => c));
  for (const c of mapped) if (!filled.has(c)) fail(`map: no filled path for ${c}`);
  if (filled.size !== mapped.length) fail(`map: ${filled.size} filled countries, expected ${mapped.length}`);

  // Table: every scored country, once.
  const rows = await page.$$eval('table.ranking tbody tr[data-code]', (rs) => rs.map((r) => r.dataset.code));
  const rowSet = new Set(rows);
  for (const c of scored) if (!rowSet.has(c)) fail(`table: no row for ${c}`);
  if (rows.length !== scored.length) fail(`table: ${rows.length} rows, expected ${scored.length}`);

  // Sorting and search work.
  await page.click('table.ranking th[data-key="name"]');
  const firstByName = await page.$eval('table.ranking tbody tr', (r) => r.dataset.code);
  await page.click('table.ranking th[data-key="rank"]');
  await page.fill('input.search', scored[0].toLowerCase());
  const visible = await page.$$eval('table.ranking tbody tr:not([hidden])', (rs) => rs.length);
  if (visible < 1 || visible >= scored.length) fail(`search: ${visible} rows shown for "${scored[0]}"`);
  await page.fill('input.search', '');
  if (!firstByName) fail('sorting by name left the table empty');

  await page.screenshot({ path: join(artefacts, 'report.png'), fullPage: true });

  // A profile opens on a click in the table ...
  const pick = rows[Math.min(rows.length - 1, Math.floor(rows.length / 2))];
  await page.click(`table.ranking tbody tr[data-code="${pick}"]`);
  await page.waitForSelector('.profile:not([hidden])', { timeout: 5000 });
  const shown = await page.$eval('.profile', (p) => p.dataset.code);
  if (shown !== pick) fail(`profile from the table: shows ${shown}, expected ${pick}`);
  const trend = await page.$$eval('.profile svg.trend path.line.top', (p) => p.length);
  if (summary.times && summary.times.length > 1 && trend !== 1) fail('profile: no trend line');
  await page.setViewportSize({ width: 1280, height: 1300 }); // the whole profile in one picture
  await page.screenshot({ path: join(artefacts, 'report-profile.png') });
  await page.click('.profile .close');
  await page.waitForSelector('.profile[hidden]', { state: 'attached', timeout: 5000 });

  // ... and on the map.
  const big = mapped.includes('BRA') ? 'BRA' : mapped[0];
  if (big) {
    await page.click(`#map path.country[data-code="${big}"]`, { force: true });
    await page.waitForSelector('.profile:not([hidden])', { timeout: 5000 });
    const fromMap = await page.$eval('.profile', (p) => p.dataset.code);
    if (fromMap !== big) fail(`profile from the map: shows ${fromMap}, expected ${big}`);
  }
  // The watchlist: P within 3 months from the summary's leads 1-3, computed here.
  let nwatch = 0;
  if (fcSummary) {
    const lines = readFileSync(fcSummary, 'utf8').trim().split('\n');
    const head = lines[0].split(',');
    const ju = head.indexOf('unit');
    const jl = head.indexOf('lead');
    const jp = head.indexOf('p_ge25');
    const jm = head.indexOf('mean_ln1p');
    const by = new Map();
    for (const l of lines.slice(1)) {
      const f = l.split(',');
      const lead = Number(f[jl]);
      if (lead > 3) continue;
      const e = by.get(f[ju]) || { code: f[ju], q: 1, level: 0 };
      e.q *= 1 - Number(f[jp]);
      e.level += Number(f[jm]) / 3;
      by.set(f[ju], e);
    }
    const want = [...by.values()]
      .map((e) => ({ ...e, p: 1 - e.q }))
      .sort((a, b) => Math.round(b.p * 1000) - Math.round(a.p * 1000) || b.level - a.level || (a.code < b.code ? -1 : 1))
      .slice(0, 30)
      .map((e) => e.code);
    const got = await page.$$eval('#watchlist table.watchlist tbody tr[data-code]', (rs) => rs.map((r) => r.dataset.code));
    nwatch = got.length;
    // rounding in the last digit may swap two countries of equal probability: compare as sets,
    // and the first ten in order
    if (got.length !== want.length || got.slice(0, 10).join() !== want.slice(0, 10).join() || new Set(got).size !== new Set([...got, ...want]).size)
      fail(`watchlist: rows ${got.slice(0, 8).join(' ')}..., expected ${want.slice(0, 8).join(' ')}...`);
    const painted = await page.$$eval('#watchlist path.country.scored[data-code]', (ps) => new Set(ps.map((p) => p.dataset.code)).size);
    const wmapped = [...by.keys()].filter((c) => ids.has(num.get(c)) && num.get(c) !== '010').length;
    if (painted !== wmapped) fail(`watchlist map: ${painted} countries coloured, expected ${wmapped}`);
    await page.setViewportSize({ width: 1280, height: 900 });
    if (await page.isVisible('.profile .close')) await page.click('.profile .close');
    await page.$eval('#watchlist', (s) => s.scrollIntoView());
    await page.locator('#watchlist').screenshot({ path: join(artefacts, 'report-watchlist.png') });
  }
  console.log(
    `report browser check: ${scored.length} scored, ${mapped.length} on the map, ` +
      `${nwatch} watchlist rows, ` +
      `${rows.length} table rows; screenshots in ${artefacts}`
  );
} catch (e) {
  fail(`browser: ${e.message}`);
} finally {
  await context.close();
  rmSync(userDir, { recursive: true, force: true });
}
for (const f of failures) console.log(`FAIL: ${f}`);
process.exit(failures.length ? 1 : 0);
