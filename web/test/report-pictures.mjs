// report-pictures.mjs - the report's analysis pictures in headless Chromium: each is drawn
// (a screenshot of it has real size, several colours and ink, kept in ARTEFACT_DIR) and
// shows the numbers of the files it comes from, recomputed here from those files:
//   correlations per level    Pearson r of Aggregated.csv's columns in the latest year
//   sunburst                  effective weights as `humsec weights` writes them
//   distributions             Raw.csv's values, treated points from treated_points.csv
//   Sobol' bars               sa_indices.csv (Si, STi and their 95 % intervals)
//   rank intervals            ua_ranks.csv (nominal, median, q05, q95)
//   compare, what-if          compare_ranks.csv, whatif_mean_abs_diff.csv
//
// usage: node report-pictures.mjs REPORT.html BUILD_DIR ARTEFACT_DIR CHROMIUM WEIGHTS.csv
//        SENSITIVITY_DIR COMPARE_DIR WHATIF_DIR
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openBrowser, readCsv, num } from './lib.mjs';

const [report, buildDir, artefacts, exe, weightsCsv, sensDir, cmpDir, wiDir] = process.argv.slice(2);
if (!wiDir) {
  console.error('usage: node report-pictures.mjs REPORT BUILD ARTEFACTS CHROMIUM WEIGHTS.csv SENS CMP WHATIF');
  process.exit(2);
}
const failures = [];
const fail = (msg) => failures.push(msg);
const near = (a, b, tol) => (isNaN(a) && isNaN(b)) || Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

const summary = JSON.parse(readFileSync(join(buildDir, 'summary.json'), 'utf8'));
const latest = String(summary.latest_time);
const agg = readCsv(join(buildDir, 'Aggregated.csv'));
const aggRows = agg.rows.filter((r) => !('Time' in r) || r.Time === latest);
const raw = readCsv(join(buildDir, 'Raw.csv'));
const trt = readCsv(join(buildDir, 'treated_points.csv'));
const structure = readCsv(join(buildDir, '..', 'structure.csv'));
const weights = readCsv(weightsCsv);
const sobol = readCsv(join(sensDir, 'sa_indices.csv'));
const ua = readCsv(join(sensDir, 'ua_ranks.csv'));
const cmp = readCsv(join(cmpDir, 'compare_ranks.csv'));
const wi = readCsv(join(wiDir, 'whatif_mean_abs_diff.csv'));

function pearson(a, b) {
  const p = aggRows.map((r) => [num(r[a]), num(r[b])]).filter(([x, y]) => !isNaN(x) && !isNaN(y));
  const n = p.length;
  const mx = p.reduce((s, [x]) => s + x, 0) / n;
  const my = p.reduce((s, [, y]) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of p) (sxy += (x - mx) * (y - my)), (sxx += (x - mx) ** 2), (syy += (y - my) ** 2);
  return sxy / Math.sqrt(sxx * syy);
}

const b = await openBrowser(exe, fail);
const counts = {};
try {
  const page = await b.open(report);
  await page.setViewportSize({ width: 1400, height: 1000 });
  /** The picture is there and not blank; a screenshot of it is kept. */
  async function drawn(sel, name) {
    const loc = page.locator(sel).first();
    if (!(await loc.count())) return fail(`${name}: no ${sel} on the page`);
    await loc.scrollIntoViewIfNeeded();
    const box = await loc.boundingBox();
    if (!box || box.width < 120 || box.height < 60) return fail(`${name}: drawn at ${box ? `${box.width}x${box.height}` : 'no'} px`);
    const px = await b.pixels(page, await loc.screenshot({ path: join(artefacts, `pictures-${name}.png`) }));
    if (px.colours < 6 || px.ink < 0.02) fail(`${name}: the picture is blank (${px.colours} colours, ${(px.ink * 100).toFixed(1)} % ink)`);
  }

  // Correlations: every pair of every level's variables
  const levelOf = new Map(structure.rows.map((r) => [r.iCode, r.Type === 'Indicator' ? '1' : r.Level]));
  const cells = await page.$$eval('#chart-corr figure.corr', (fs) =>
    fs.flatMap((f) => [...f.querySelectorAll('rect.cell')].map((c) => [f.dataset.level, c.dataset.a, c.dataset.b, c.dataset.r]))
  );
  counts.corr = cells.length;
  const levels = new Map();
  for (const r of structure.rows)
    if ((r.Type === 'Indicator' || r.Type === 'Aggregate') && r.Parent && r.Parent !== 'NA') {
      const lv = levelOf.get(r.iCode);
      levels.set(lv, [...(levels.get(lv) || []), r.iCode]);
    }
  let want = 0;
  for (const [lv, codes] of levels) {
    if (codes.length < 2) continue;
    want += codes.length ** 2;
    for (const a of codes)
      for (const c of codes) {
        const got = cells.find((x) => x[0] === lv && x[1] === a && x[2] === c);
        if (!got) fail(`correlations: no cell ${a} x ${c} at level ${lv}`);
        else if (!near(Number(got[3]), pearson(a, c), 1e-4)) fail(`correlations: ${a} x ${c} is ${got[3]}, Aggregated.csv gives ${pearson(a, c)}`);
      }
  }
  if (cells.length !== want) fail(`correlations: ${cells.length} cells, expected ${want}`);
  await drawn('#chart-corr figure.corr', 'correlations');

  // Sunburst: an arc per indicator and aggregate under the top, weighted as hs_build_weights
  const arcs = await page.$$eval('#chart-framework path.arc', (ps) => ps.map((p) => [p.dataset.code, Number(p.dataset.weight), p.getBBox().width]));
  counts.arcs = arcs.length;
  const eff = weights.rows.filter((r) => r.iCode !== summary.index);
  for (const r of eff) {
    const a = arcs.find((x) => x[0] === r.iCode);
    if (!a) fail(`sunburst: no arc for ${r.iCode}`);
    else if (!near(a[1], num(r.EffWeight), 1e-5)) fail(`sunburst: ${r.iCode} weighs ${a[1]}, humsec weights says ${r.EffWeight}`);
    else if (!(a[2] > 5)) fail(`sunburst: the arc of ${r.iCode} is ${a[2]} px wide`);
  }
  if (arcs.length !== eff.length) fail(`sunburst: ${arcs.length} arcs, expected ${eff.length}`);
  await drawn('#chart-framework figure', 'sunburst');

  // Distributions: a dot per raw value, the treated ones marked and only those
  const dots = await page.$$eval('#chart-dist circle.pt', (cs) => cs.map((c) => [c.dataset.ind, c.dataset.code, Number(c.dataset.value), c.classList.contains('treated')]));
  counts.dots = dots.length;
  const inds = structure.rows.filter((r) => r.Type === 'Indicator').map((r) => r.iCode);
  let nraw = 0;
  let ntreated = 0;
  for (const r of raw.rows.filter((x) => !('Time' in x) || x.Time === latest))
    for (const i of inds) {
      const v = num(r[i]);
      if (isNaN(v)) continue;
      nraw++;
      const t = trt.rows.find((x) => x.uCode === r.uCode && (!('Time' in x) || x.Time === r.Time));
      const treated = !!(t && t[i] && t[i] !== 'NA');
      ntreated += treated;
      const d = dots.find((x) => x[0] === i && x[1] === r.uCode);
      if (!d) fail(`distributions: no dot for ${r.uCode} ${i}`);
      else if (!near(d[2], v, 1e-6)) fail(`distributions: ${r.uCode} ${i} at ${d[2]}, Raw.csv has ${v}`);
      else if (d[3] !== treated) fail(`distributions: ${r.uCode} ${i} ${treated ? 'not marked as treated' : 'marked as treated'}`);
    }
  if (dots.length !== nraw) fail(`distributions: ${dots.length} dots, expected ${nraw}`);
  if (!ntreated) fail('distributions: the fixture has no treated point to check');
  await drawn('#chart-dist figure', 'distributions');

  // Sobol' bars: Si and STi with their 95 % intervals
  const bars = await page.$$eval('#chart-sobol rect.hbar', (rs) => rs.map((r) => ({ ...r.dataset, w: r.getBBox().width })));
  counts.sobol = bars.length;
  for (const r of sobol.rows)
    for (const k of ['Si', 'STi']) {
      const x = bars.find((y) => y.factor === r.factor && y.index === k);
      if (!x) fail(`Sobol': no ${k} bar for ${r.factor}`);
      else
        for (const [key, col] of [
          ['value', k],
          ['lo', `${k}_q025`],
          ['hi', `${k}_q975`],
        ])
          if (!near(Number(x[key]), num(r[col]), 1e-9)) fail(`Sobol': ${r.factor} ${key} ${x[key]}, sa_indices.csv ${col} ${r[col]}`);
    }
  if (bars.length !== sobol.rows.length * 2) fail(`Sobol': ${bars.length} bars, expected ${sobol.rows.length * 2}`);
  await drawn('#chart-sobol figure', 'sobol');

  // Rank intervals
  const ivs = await page.$$eval('#chart-ranks line.iv', (ls) => ls.map((l) => ({ ...l.dataset })));
  counts.intervals = ivs.length;
  for (const r of ua.rows) {
    const x = ivs.find((y) => y.code === r.uCode);
    if (!x) fail(`rank intervals: no line for ${r.uCode}`);
    else if (!near(Number(x.lo), num(r.q05_rank), 1e-5) || !near(Number(x.hi), num(r.q95_rank), 1e-5) || !near(Number(x.median), num(r.median_rank), 1e-5) || x.rank !== r.nominal_rank)
      fail(`rank intervals: ${r.uCode} ${x.rank} ${x.lo}-${x.median}-${x.hi}, ua_ranks.csv ${r.nominal_rank} ${r.q05_rank}-${r.median_rank}-${r.q95_rank}`);
  }
  if (ivs.length !== ua.rows.length) fail(`rank intervals: ${ivs.length} lines, expected ${ua.rows.length}`);
  await drawn('#chart-ranks figure', 'rank-intervals');

  // Compare: the index's ranks in the two builds
  const slopes = await page.$$eval('#chart-compare line.slope', (ls) => ls.map((l) => ({ ...l.dataset })));
  counts.compare = slopes.length;
  const cr = cmp.rows.filter((r) => r.iCode === summary.index);
  for (const r of cr) {
    const x = slopes.find((y) => y.code === r.uCode);
    if (!x || x.a !== r['coin.1'] || x.b !== r['coin.2']) fail(`compare: ${r.uCode} ${x ? `${x.a} -> ${x.b}` : 'missing'}, compare_ranks.csv ${r['coin.1']} -> ${r['coin.2']}`);
  }
  if (slopes.length !== cr.length) fail(`compare: ${slopes.length} lines, expected ${cr.length}`);
  await drawn('#chart-compare figure', 'compare');

  // What-if: mean absolute rank change per removed element
  const wb = await page.$$eval('#chart-whatif rect.hbar', (rs) => rs.map((r) => ({ ...r.dataset, w: r.getBBox().width })));
  counts.whatif = wb.length;
  const wr = wi.rows.filter((r) => r.iCode !== 'Nominal');
  for (const r of wr) {
    const x = wb.find((y) => y.code === r.iCode);
    if (!x || !near(Number(x.value), num(r.MeanAbsDiff), 1e-9)) fail(`what-if: ${r.iCode} ${x ? x.value : 'missing'}, whatif_mean_abs_diff.csv ${r.MeanAbsDiff}`);
  }
  // bar lengths follow the values
  const sorted = [...wb].sort((p, q) => Number(p.value) - Number(q.value));
  for (let i = 1; i < sorted.length; i++)
    if (Number(sorted[i].value) > Number(sorted[i - 1].value) && !(sorted[i].w > sorted[i - 1].w)) fail('what-if: a longer bar for a smaller change');
  if (wb.length !== wr.length) fail(`what-if: ${wb.length} bars, expected ${wr.length}`);
  await drawn('#chart-whatif figure', 'whatif');

  console.log(
    `report pictures: ${counts.corr} correlation cells, ${counts.arcs} arcs, ${counts.dots} dots, ` +
      `${counts.sobol} Sobol' bars, ${counts.intervals} rank intervals, ${counts.compare} compare lines, ` +
      `${counts.whatif} what-if bars; screenshots in ${artefacts}`
  );
} catch (e) {
  fail(`browser: ${e.message}`);
} finally {
  await b.close();
}
for (const f of failures) console.log(`FAIL: ${f}`);
process.exit(failures.length ? 1 : 0);
