// dashboard.mjs - the dashboard served by `humsec serve` (or by the mock API) in headless
// Chromium, checked the way a reader uses it: the map has a filled path for every scored
// country with a shape, the ranking has a row per scored country and sorts and filters,
// moving the year recolours the map, a click on the map opens the country page with its
// pillars and a trend, the alerts feed lists every stored alert newest first, the method
// page shows the steps, the structure and the sources, the watchlist lists the countries of
// GET /api/v1/watchlist in its order, a fan chart's bands are the quantiles of
// GET /api/v1/forecasts, an API failure shows a message, and keyboard users reach a
// country from the table. No console errors, and no request leaves
// the server (nor goes anywhere but /, /assets/ and /api/v1/). Screenshots are kept.
//
// usage: node test/dashboard.mjs --base http://127.0.0.1:PORT [--out DIR] [--chromium PATH]
//        node test/dashboard.mjs --mock [--out DIR]     (starts test/mock-api.mjs itself)
// The expected numbers come from the API and the map files, fetched here, not from the page.
// Exit 0 when every check passes, 1 otherwise, 2 for a bad command line.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
let base = opt('--base', null);
const out = resolve(opt('--out', join(tmpdir(), 'humsec-dashboard-test')));
const exe = opt('--chromium', process.env.CHROMIUM || '/usr/bin/chromium');
const useMock = argv.includes('--mock');
if (!base && !useMock) {
  console.error('usage: node dashboard.mjs --base http://HOST:PORT [--out DIR] [--chromium PATH] | --mock [--out DIR]');
  process.exit(2);
}

const failures = [];
const fail = (msg) => failures.push(msg);
const check = (ok, msg) => {
  if (!ok) fail(msg);
  return ok;
};

let mock = null;
async function startMock() {
  mock = spawn(process.execPath, [join(here, 'mock-api.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((ok, no) => {
    let buf = '';
    mock.stdout.on('data', (d) => {
      buf += d;
      const m = /(http:\/\/[\d.]+:\d+)\//.exec(buf);
      if (m) ok(m[1]);
    });
    mock.on('exit', (c) => no(new Error(`mock API exited with ${c}`)));
    setTimeout(() => no(new Error('mock API did not start in 20 s')), 20000);
  });
  return url;
}

async function getJson(path) {
  const res = await fetch(base + path);
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return res.json();
}

// axe-core (a devDependency) checks each view for serious and critical accessibility faults;
// it is injected inline, so it makes no request.
let axePath = null;
try {
  axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
} catch {
  console.log('  note: axe-core is not installed (npm ci in web/): no accessibility audit');
}
async function audit(page, name) {
  if (!axePath) return;
  // evaluated, not added as a script tag: the server's Content-Security-Policy allows no
  // inline script, and the page is tested under it
  await page.evaluate(readFileSync(axePath, 'utf8'));
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  for (const v of res.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical'))
    fail(`accessibility (${name}): ${v.id}: ${v.help}; ${v.nodes.length} element(s), e.g. ${v.nodes[0].target.join(' ')}`);
}

const isNum = (v) => typeof v === 'number' && isFinite(v);
const ALLOWED = /^\/($|assets\/|api\/v1\/)/;

let context = null;
const userDir = mkdtempSync(join(tmpdir(), 'humsec-dash-'));
try {
  if (useMock) base = await startMock();
  base = base.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  mkdirSync(out, { recursive: true });

  // --- What the pages must show, from the API and the map files ------------------------
  const { indices } = await getJson('/api/v1/indices');
  if (!indices || !indices.length) throw new Error('the server lists no index');
  const ix = indices.find((i) => i.id === 'hsi') || indices[0];
  const latest = ix.latest_year != null ? ix.latest_year : ix.years[ix.years.length - 1];
  const scores = (await getJson(`/api/v1/scores?index=${encodeURIComponent(ix.id)}&year=${latest}`)).scores;
  const scored = scores.filter((s) => isNum(s.score)).map((s) => s.code);
  if (!scored.length) throw new Error(`no scored country in ${ix.id} ${latest}`);
  const codes = await getJson('/assets/iso-codes.json');
  const topo = await getJson('/assets/countries-50m.json');
  const num = new Map(codes.map((c) => [c[1], c[2]]));
  const ids = new Set(topo.objects.countries.geometries.map((g) => g.id).filter((id) => id != null));
  const mapped = scored.filter((c) => ids.has(num.get(c)) && num.get(c) !== '010');
  const { alerts } = await getJson('/api/v1/alerts');
  const method = await getJson(`/api/v1/method?index=${encodeURIComponent(ix.id)}`);

  // --- The browser ---------------------------------------------------------------------
  context = await chromium.launchPersistentContext(userDir, {
    executablePath: exe,
    headless: true,
    viewport: { width: 1280, height: 900 },
    reducedMotion: 'reduce',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  let expectErrors = false;
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.origin !== origin) {
      fail(`request outside the server: ${u.href}`);
      return route.abort();
    }
    if (!ALLOWED.test(u.pathname)) fail(`request outside /, /assets/ and /api/v1/: ${u.pathname}`);
    return route.continue();
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error' && !expectErrors) fail(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => fail(`page error: ${e.message}`));

  // --- Map and ranking -----------------------------------------------------------------
  await page.goto(`${base}/#/`);
  await page.waitForSelector(`.overview[data-year="${latest}"] #map-host[data-mapped]`, { timeout: 30000 });
  await page.waitForSelector('#ranking[data-state="ready"]', { timeout: 10000 });
  const fillsOf = () =>
    page.$$eval('#map path.country.scored[data-code]', (ps) => Object.fromEntries(ps.map((p) => [p.dataset.code, p.getAttribute('fill')])));
  const fills = await fillsOf();
  const filled = new Set(Object.entries(fills).filter(([, f]) => f && f !== 'none' && !f.startsWith('url(')).map(([c]) => c));
  for (const c of mapped) check(filled.has(c), `map: no filled path for ${c}`);
  check(filled.size === mapped.length, `map: ${filled.size} filled countries, expected ${mapped.length}`);
  const hatched = await page.$$eval('#map path.country.na', (ps) => ps.length);
  const rows = await page.$$eval('table.ranking tbody tr[data-code]', (rs) => rs.map((r) => r.dataset.code));
  check(rows.length === scored.length, `ranking: ${rows.length} rows, expected ${scored.length}`);
  check(rows.join() === scored.join(), 'ranking: rows are not in the order of the API ranks');
  const legend = await page.$eval('#ov-legend', (n) => n.textContent);
  check(/no score/.test(legend), 'legend: no "no score" key');
  await page.screenshot({ path: join(out, 'dashboard-map.png'), fullPage: true });
  await audit(page, 'map and ranking');

  // Sorting and filtering.
  await page.click('table.ranking th[data-key="name"] button');
  const byName = await page.$$eval('table.ranking tbody tr[data-code] td.country a', (as) => as.map((a) => a.textContent));
  check(byName.length === scored.length && byName.every((n, i) => i === 0 || byName[i - 1].localeCompare(n) <= 0), 'ranking: sorting by country does not sort by name');
  const sortState = await page.$eval('table.ranking th[data-key="name"]', (th) => th.getAttribute('aria-sort'));
  check(sortState === 'ascending', `ranking: aria-sort is ${sortState} after sorting by name`);
  await page.click('table.ranking th[data-key="rank"] button');
  await page.fill('#ranking input.search', scored[0].toLowerCase());
  const shown = await page.$$eval('table.ranking tbody tr[data-code]', (rs) => rs.map((r) => r.dataset.code));
  check(shown.includes(scored[0]) && shown.length < scored.length, `filter: ${shown.length} rows for "${scored[0]}"`);
  await page.fill('#ranking input.search', '');

  // Changing the year recolours the map (keyboard on the slider: Home = the first year).
  if (ix.years.length > 1) {
    const first = ix.years[0];
    await page.focus('#ctl-year');
    await page.keyboard.press('Home');
    await page.waitForSelector(`.overview[data-year="${first}"]:not(.busy)`, { timeout: 15000 });
    const fills2 = await fillsOf();
    const changed = Object.keys(fills2).filter((c) => fills[c] && fills2[c] !== fills[c]).length;
    check(changed > 0, `year ${latest} -> ${first}: no fill changed`);
    check(/[?&]year=/.test(await page.evaluate(() => location.hash)), 'year change is not in the URL hash');
    await page.screenshot({ path: join(out, 'dashboard-map-first-year.png') });
    console.log(`  year ${latest} -> ${first}: ${changed} of ${Object.keys(fills2).length} fills changed; ${hatched} hatched in ${latest}`);
    await page.goto(`${base}/#/`);
    await page.waitForSelector(`.overview[data-year="${latest}"]:not(.busy) #map-host[data-mapped]`, { timeout: 15000 });
  }

  // The alerts switch rings the countries with an alert in the 12 months up to the newest.
  if (alerts.length) {
    const newest = alerts.map((a) => a.month).sort().pop();
    const [y, m] = newest.split('-').map(Number);
    const t = y * 12 + m - 1 - 11;
    const since = `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
    const want = new Set(alerts.filter((a) => a.month >= since && ids.has(num.get(a.country))).map((a) => a.country));
    await page.check('#ctl-alerts');
    await page.waitForSelector('#map-host[data-alert-marks]', { timeout: 10000 });
    const rings = await page.$$eval('#map .alert-ring', (cs) => cs.map((c) => c.dataset.code));
    check(rings.length === want.size && rings.every((c) => want.has(c)), `alert rings: ${rings.length} (${rings.join(' ')}), expected ${want.size}`);
    await page.screenshot({ path: join(out, 'dashboard-map-alerts.png') });
    await page.uncheck('#ctl-alerts');
  }

  // A click on the map opens the country page, with pillars and a trend.
  const big = ['BRA', 'CAN', 'AUS', 'IND', 'CHN', 'USA', 'RUS'].find((c) => mapped.includes(c)) || mapped[0];
  await page.click(`#map path.country.scored[data-code="${big}"]`, { force: true });
  await page.waitForSelector(`.country-view[data-state="ready"]`, { timeout: 15000 });
  check((await page.evaluate(() => location.hash)).startsWith(`#/country/${big}`), `map click on ${big}: hash is ${await page.evaluate(() => location.hash)}`);
  const pillars = await page.$$eval('#pillars .node-row', (ns) => ns.map((n) => n.dataset.node));
  const nPillars = ix.nodes.filter((n) => n.parent === ix.top).length;
  check(pillars.includes(ix.top) && pillars.length >= 1 + nPillars, `country page: ${pillars.length} structure rows, expected the top and ${nPillars} pillars`);
  if (ix.years.length > 1) {
    const trend = await page.$$eval('#trends svg.linechart path.line', (ps) => ps.filter((p) => (p.getAttribute('d') || '').length > 10).length);
    check(trend >= 1, 'country page: no trend line');
  }
  check(await page.$('#events'), 'country page: no events section');
  check(await page.$('#country-alerts'), 'country page: no alerts section');
  await page.setViewportSize({ width: 1280, height: 1500 });
  await page.screenshot({ path: join(out, 'dashboard-country.png'), fullPage: true });
  await audit(page, 'country');
  await page.setViewportSize({ width: 1280, height: 900 });

  // A node's rank is out of the countries ranked at that node, not at the index: a pillar
  // can rank countries the index leaves unscored (the page said "191st of 189"). The
  // country placed last on such a pillar is looked up and its page read.
  {
    let found = null;
    for (const x of indices) {
      const year = x.years[x.years.length - 1];
      const n = (await getJson(`/api/v1/scores?index=${x.id}&year=${year}`)).scores.filter((u) => u.rank != null).length;
      for (const p of x.nodes.filter((q) => q.parent === x.top)) {
        const ranked = (await getJson(`/api/v1/scores?index=${x.id}&year=${year}&pillar=${encodeURIComponent(p.code)}`)).scores.filter((u) => u.rank != null);
        const last = ranked.reduce((a, u) => (!a || u.rank > a.rank ? u : a), null);
        if (last && last.rank > n) {
          found = { x, year, p, last, of: ranked.length };
          break;
        }
      }
      if (found) break;
    }
    check(found, 'no pillar ranks more countries than its index (the shipped HDI did): the rank count is not tested');
    if (found) {
      const { x, year, p, last, of } = found;
      await page.goto(`${base}/#/country/${last.code}?index=${x.id}&year=${year}`);
      await page.waitForSelector(`.country-view[data-state="ready"]`, { timeout: 15000 });
      const text = await page.$eval(`#pillars .node-row[data-node="${p.code}"] .node-rank`, (e) => e.textContent.replace(/\s+/g, ' ').trim());
      const want = `${last.rank}`;
      const m = /^(\d+)\D* of (\d+)$/.exec(text);
      check(m && m[1] === want && Number(m[2]) === of, `${x.id} ${year} ${p.code} of ${last.code}: "${text}", expected rank ${want} of ${of}`);
      console.log(`  ${x.id} ${year}: ${last.code} is "${text}" on ${p.code}`);
    }
  }

  // A country with alerts shows them on its page.
  if (alerts.length) {
    const a = alerts[0];
    await page.goto(`${base}/#/country/${a.country}?index=${ix.id}`);
    await page.waitForSelector(`.country-view[data-state="ready"]`, { timeout: 15000 });
    // the feed's list is the newest page only; the country page shows all of the country's
    const own = (await getJson(`/api/v1/alerts?country=${a.country}&limit=10000`)).alerts.length;
    const listed = await page.$$eval('#country-alerts .alert-item', (ls) => ls.length);
    check(listed === own, `country page of ${a.country}: ${listed} alerts, expected ${own}`);
    const bars = await page.$$eval('#events svg.bars rect', (rs) => rs.length);
    check(bars > 0, `country page of ${a.country}: no monthly bars`);
    // where the stored events end is said, and a month no source covers is no bar, not zero
    const ev = (await getJson(`/api/v1/countries/${a.country}`)).events;
    const lastCov = ev.coverage && ev.coverage.length ? ev.coverage[ev.coverage.length - 1].last : null;
    const note = await page.$eval('#events .note', (n) => n.textContent);
    check(lastCov && /no data after/.test(note), `country page of ${a.country}: the events do not say where their data end (${note.trim()})`);
    const nulls = ev.months.filter((m) => m.deaths === null).length;
    const gaps = await page.$$eval('#events svg.bars rect.nodata', (rs) => rs.length);
    const nullsShown = ev.months.slice(-120).filter((m) => m.deaths === null).length; // the page shows 120 months
    check(gaps === nullsShown, `country page of ${a.country}: ${gaps} months drawn without data, the API has ${nullsShown} of ${nulls}`);
    await page.screenshot({ path: join(out, 'dashboard-country-alerts.png'), fullPage: true });
  }

  // The alerts feed: every stored alert, newest first, each with a sparkline and a link.
  await page.goto(`${base}/#/alerts`);
  await page.waitForSelector('.alerts-view[data-state="ready"]', { timeout: 15000 });
  const items = await page.$$eval('.alert-item', (ls) =>
    ls.map((l) => ({ id: l.dataset.id, month: l.querySelector('time') ? l.querySelector('time').getAttribute('datetime') : '', spark: !!l.querySelector('svg.spark path.line'), link: (l.querySelector('a[href^="#/country/"]') || {}).href || '' }))
  );
  check(items.length === alerts.length, `alerts feed: ${items.length} alerts, GET /api/v1/alerts has ${alerts.length}`);
  check(items.every((x, i) => i === 0 || items[i - 1].month >= x.month), 'alerts feed: not newest first');
  check(items.every((x) => x.spark && x.link), 'alerts feed: an alert without a sparkline or a country link');
  // the forecast's warnings: onsets apart from continuations, as GET /api/v1/alerts gives them
  {
    const w = (await getJson('/api/v1/alerts')).warnings;
    const shown = await page.$$eval('#warnings .warn-item', (ls) => ls.map((l) => `${l.dataset.kind}:${l.dataset.country}`));
    const want = w ? [...w.onsets, ...w.continuations].map((x) => `${x.kind}:${x.country}`) : [];
    check(shown.join() === want.join(), `alerts feed: warnings ${shown.join(' ')}, expected ${want.join(' ')}`);
    check(!w || w.onsets.every((x) => x.kind === 'onset'), 'alerts feed: a continuation among the onsets');
  }
  await page.screenshot({ path: join(out, 'dashboard-alerts.png'), fullPage: true });
  await audit(page, 'alerts');

  // The method page: steps, structure with weights, sources with licences.
  await page.goto(`${base}/#/method?index=${ix.id}`);
  await page.waitForSelector('.method-view[data-state="ready"]', { timeout: 15000 });
  const steps = await page.$$eval('.steps > li', (ls) => ls.length);
  check(steps === (method.steps || []).length, `method: ${steps} steps, expected ${(method.steps || []).length}`);
  const tree = (method.nodes || ix.nodes).filter((n) => n.type === 'Aggregate' || n.type === 'Indicator');
  const tnodes = await page.$$eval('.tree li', (ls) => ls.length);
  check(tnodes === tree.length, `method: ${tnodes} nodes in the tree, expected ${tree.length}`);
  const srcs = await page.$$eval('table.sources tbody tr', (rs) => rs.length);
  check(srcs === (method.sources || []).length, `method: ${srcs} sources, expected ${(method.sources || []).length}`);
  await page.screenshot({ path: join(out, 'dashboard-method.png'), fullPage: true });
  await audit(page, 'method');

  // Keyboard: from the ranking's first link, Enter opens that country.
  await page.goto(`${base}/#/`);
  await page.waitForSelector('#ranking[data-state="ready"]', { timeout: 15000 });
  await page.focus('table.ranking tbody tr td.country a');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.country-view[data-state="ready"]', { timeout: 15000 });
  check((await page.evaluate(() => location.hash)).startsWith(`#/country/${scored[0]}`), 'keyboard: Enter on the first ranking link did not open its country');

  // The watchlist: the same countries in the same order as GET /api/v1/watchlist, the map
  // coloured for every country forecast, reasons from the model's terms; then a fan chart
  // whose bands are the API's quantiles for that country.
  {
    const wl = await getJson('/api/v1/watchlist?months=3&limit=50');
    await page.goto(`${base}/#/watchlist`);
    await page.waitForSelector('.watchlist-view[data-state="ready"]', { timeout: 30000 });
    const wrows = await page.$$eval('table.watchlist tbody tr[data-code]', (rs) => rs.map((r) => r.dataset.code));
    const want = wl.countries.map((c) => c.code);
    check(wrows.length === want.length && wrows.join() === want.join(), `watchlist: rows ${wrows.slice(0, 5).join(' ')}…, expected ${want.slice(0, 5).join(' ')}… (${want.length})`);
    const reasons = await page.$$eval('table.watchlist td.reasons li', (ls) => ls.length);
    const wantReasons = wl.countries.reduce((n, c) => n + (c.reasons || []).length, 0);
    check(reasons === wantReasons && reasons > 0, `watchlist: ${reasons} reasons shown, the API gives ${wantReasons}`);
    const all = await getJson('/api/v1/watchlist?months=3&limit=300');
    const wmapped = all.countries.filter((c) => ids.has(num.get(c.code)) && num.get(c.code) !== '010').length;
    const painted = await page.$$eval('#wl-map path.country.scored[data-code]', (ps) => new Set(ps.map((p) => p.dataset.code)).size);
    check(painted === wmapped, `watchlist map: ${painted} countries coloured, expected ${wmapped}`);
    await page.setViewportSize({ width: 1280, height: 1400 });
    await page.screenshot({ path: join(out, 'dashboard-watchlist.png'), fullPage: true });
    await audit(page, 'watchlist');
    await page.setViewportSize({ width: 1280, height: 900 });
    // six months: the order follows the API again
    await page.selectOption('.wl-months', '6');
    await page.waitForSelector('.watchlist-view[data-state="ready"][data-months="6"]', { timeout: 15000 });
    const w6 = (await getJson('/api/v1/watchlist?months=6&limit=50')).countries.map((c) => c.code);
    const r6 = await page.$$eval('table.watchlist tbody tr[data-code]', (rs) => rs.map((r) => r.dataset.code));
    check(r6.join() === w6.join(), 'watchlist (6 months): rows are not in the order of the API');

    // the fan chart of a country on the watchlist that has index scores (a country page)
    const fcode = want.find((c) => scored.includes(c)) || want[0];
    const fc = await getJson(`/api/v1/forecasts?country=${fcode}`);
    await page.goto(`${base}/#/country/${fcode}`);
    await page.waitForSelector('.country-view[data-state="ready"] #forecast svg.fan', { timeout: 15000 });
    const cells = await page.$$eval('#forecast .fan-cell', (cs) => cs.map((c) => ({ lead: Number(c.dataset.lead), q: ['q05', 'q25', 'q50', 'q75', 'q95'].map((k) => Number(c.dataset[k])) })));
    check(cells.length === fc.leads.length, `fan chart of ${fcode}: ${cells.length} leads, expected ${fc.leads.length}`);
    const bad = cells.filter((c, i) => {
      const l = fc.leads[i];
      return !l || c.lead !== l.lead || c.q.join() !== [l.q05, l.q25, l.q50, l.q75, l.q95].join();
    });
    check(!bad.length, `fan chart of ${fcode}: ${bad.length} leads whose bands differ from /api/v1/forecasts (first: lead ${bad[0] && bad[0].lead})`);
    const band = await page.$eval('#forecast path.band90', (p) => (p.getAttribute('d') || '').length);
    check(band > 20, `fan chart of ${fcode}: no 90 % band drawn`);
    const probs = await page.$$eval('#forecast .prob', (ps) => ps.map((p) => Number(p.dataset.months)));
    check(probs.join() === fc.within.map((w) => w.months).join(), `fan chart of ${fcode}: probability cards for ${probs.join()} months`);
    const cov = await page.$eval('#forecast .note', (n) => n.textContent);
    check(/no data after/.test(cov), `country page of ${fcode}: the forecast does not say where the data end`);
    await page.setViewportSize({ width: 1280, height: 1800 });
    await page.screenshot({ path: join(out, 'dashboard-fan.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    console.log(`  watchlist: ${wrows.length} rows (first ${want.slice(0, 3).join(' ')}), ${reasons} reasons; fan chart of ${fcode}: ${cells.length} leads`);
  }

  // Printing: the controls are hidden.
  await page.goto(`${base}/#/`);
  await page.waitForSelector('#ranking[data-state="ready"]', { timeout: 15000 });
  await page.emulateMedia({ media: 'print' });
  check(!(await page.isVisible('#ctl-year')), 'print: the year slider is shown');
  await page.screenshot({ path: join(out, 'dashboard-print.png') });
  await page.emulateMedia({ media: 'screen' });

  // Failures show a message: the server's 404 for an unknown country, and a scores endpoint
  // that fails (the request is answered here with the API's error shape).
  expectErrors = true;
  await page.goto(`${base}/#/country/ZZZ`);
  await page.waitForSelector('.country-view[data-state="error"] .error[role="alert"]', { timeout: 15000 });
  const e1 = await page.$eval('.error[role="alert"]', (n) => n.textContent);
  check(/not_found|404/.test(e1), `unknown country: the message does not say not found: ${e1.trim()}`);
  const page2 = await context.newPage();
  page2.on('pageerror', (e) => fail(`page error: ${e.message}`));
  await page2.route('**/api/v1/scores**', (route) =>
    route.fulfill({
      status: 500,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'internal', status: 500, message: 'test: the store is unreadable' } }),
    })
  );
  await page2.goto(`${base}/#/`);
  await page2.waitForSelector('#ov-status .error[role="alert"]', { timeout: 15000 });
  const e2 = await page2.$eval('#ov-status .error', (n) => n.textContent);
  check(/the store is unreadable/.test(e2) && /internal/.test(e2), `scores failure: message is "${e2.trim()}"`);
  check(await page2.$('#ov-status .error button.retry'), 'scores failure: no retry button');
  await page2.screenshot({ path: join(out, 'dashboard-error.png') });
  await page2.close();
  expectErrors = false;

  console.log(
    `dashboard browser check (${ix.id} ${latest}): ${scored.length} scored, ${mapped.length} on the map, ` +
      `${rows.length} ranking rows, ${items.length} alerts, ${steps} method steps; screenshots in ${out}`
  );
} catch (e) {
  fail(`browser: ${e.message}`);
} finally {
  if (context) await context.close();
  rmSync(userDir, { recursive: true, force: true });
  if (mock) mock.kill('SIGTERM');
}
for (const f of failures) console.log(`FAIL: ${f}`);
if (!failures.length) console.log('dashboard: all checks passed');
process.exit(failures.length ? 1 : 0);
