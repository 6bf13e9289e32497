// charts.js - the pictures analysts expect of a composite index, drawn as plain SVG strings
// like the map: a correlation heat map per level, the framework as a sunburst sized by
// effective weights, each indicator's distribution with the treated and imputed points
// marked; with a sensitivity analysis, Sobol' indices with their intervals and rank
// intervals; with `humsec compare` or `humsec whatif` outputs, their rank changes. Every
// mark carries its numbers in data- attributes, so tests can check them against the files.
import { scaleLinear, scaleSequential } from 'd3-scale';
import { interpolateRdBu, schemeTableau10 } from 'd3-scale-chromatic';
import { arc } from 'd3-shape';
import { el, esc, isNum } from './util.js';

const f3 = (v) => (isNum(v) ? v.toFixed(3) : '–');
const attr = (v) => (isNum(v) ? String(v) : '');

/** Pearson correlation over the pairs where both values exist; null under 3 pairs. */
export function pearson(xs, ys) {
  const p = xs.map((x, i) => [x, ys[i]]).filter(([x, y]) => isNum(x) && isNum(y));
  const n = p.length;
  if (n < 3) return null;
  const mx = p.reduce((s, [x]) => s + x, 0) / n;
  const my = p.reduce((s, [, y]) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of p) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

/** The variables of each level: indicators (level 1) and the aggregates of each level. */
function levels(model) {
  const d = model.data;
  const out = [{ level: 1, vars: d.indicators.map((v, j) => ({ ...v, get: (u) => u.ind[j] })) }];
  const aggs = d.aggregates || [];
  for (const lv of [...new Set(aggs.map((a) => a.level))].sort((a, b) => a - b)) {
    const vars = aggs.map((a, j) => ({ ...a, get: (u) => (u.agg ? u.agg[j] : null) })).filter((a) => a.level === lv);
    if (vars.length > 1) out.push({ level: lv, vars });
  }
  return out.filter((l) => l.vars.length > 1);
}

function heatmap(model, { level, vars }) {
  const units = model.units;
  const cell = Math.max(14, Math.min(44, Math.floor(420 / vars.length)));
  const lab = 12 + 6.5 * Math.max(...vars.map((v) => String(v.code).length)); // room for the codes
  const W = lab + cell * vars.length + 4;
  const H = lab + cell * vars.length + 4;
  const colour = scaleSequential(interpolateRdBu).domain([-1, 1]);
  const cols = vars.map((v) => units.map((u) => v.get(u)));
  let g = '';
  vars.forEach((v, i) => {
    const name = esc(v.code);
    g += `<text x="${lab - 4}" y="${lab + cell * i + cell / 2 + 4}" text-anchor="end">${name}</text>`;
    g += `<text transform="translate(${lab + cell * i + cell / 2 + 4},${lab - 4}) rotate(-60)">${name}</text>`;
    vars.forEach((w, j) => {
      const r = pearson(cols[i], cols[j]);
      const fill = r == null ? '#d9dde3' : colour(r);
      const text = cell >= 30 && r != null ? `<text class="r" x="${lab + cell * j + cell / 2}" y="${lab + cell * i + cell / 2 + 4}" text-anchor="middle" fill="${Math.abs(r) > 0.6 ? '#fff' : '#222'}">${r.toFixed(2)}</text>` : '';
      g += `<rect class="cell" x="${lab + cell * j}" y="${lab + cell * i}" width="${cell - 1}" height="${cell - 1}" fill="${fill}" data-a="${esc(v.code)}" data-b="${esc(w.code)}" data-r="${attr(r)}"><title>${esc(v.code)} × ${esc(w.code)}: ${f3(r)}</title></rect>${text}`;
    });
  });
  return `<figure class="chart corr" data-level="${level}"><figcaption>Level ${level}${level === 1 ? ' (indicators)' : ''}</figcaption>
    <svg viewBox="0 0 ${W} ${H}" width="${W}" role="img" aria-label="Correlations of level ${level}">${g}</svg></figure>`;
}

function weightNote(w) {
  if (w && w.from === 'set') return `Weights: the set <code>[weights ${esc(w.name)}]</code> the build aggregated with.`;
  if (w && w.from === 'pca') return 'The build derived its weights by PCA, which this page does not know: the structure\'s weights are shown.';
  return 'Weights: the structure\'s.';
}

/** The structure as a sunburst: the top in the middle, each ring a level down, every arc's
 * angle its effective weight (the product of the normalised weights up to the top). */
function sunburst(model) {
  const rows = (model.data.method && model.data.method.structure) || [];
  const top = rows.find((r) => r.code === model.data.index.code);
  if (!top) return '';
  const kids = (code) => rows.filter((r) => r.parent === code);
  const depthOf = (r) => {
    let d = 0;
    for (let p = r; p && p.code !== top.code && d < 50; p = rows.find((q) => q.code === p.parent)) d++;
    return d;
  };
  const maxDepth = Math.max(1, ...rows.map(depthOf));
  const R = 200;
  const ring = R / (maxDepth + 1);
  const pillarColour = new Map(kids(top.code).map((p, i) => [p.code, schemeTableau10[i % 10]]));
  const arcs = [];
  const walk = (node, a0, depth, pillar) => {
    const ch = kids(node.code).filter((c) => isNum(c.effWeight) && c.effWeight > 0);
    const sum = ch.reduce((s, c) => s + c.effWeight, 0);
    let a = a0;
    for (const c of ch) {
      const span = (c.effWeight / sum) * (node.code === top.code ? 2 * Math.PI : spanOf.get(node.code));
      spanOf.set(c.code, span);
      const p = pillar || c.code;
      arcs.push({ c, a0: a, a1: a + span, depth: depth + 1, colour: pillarColour.get(p) });
      walk(c, a, depth + 1, p);
      a += span;
    }
  };
  const spanOf = new Map();
  walk(top, 0, 0, null);
  const mk = arc();
  let g = `<circle r="${ring - 2}" class="sun-top" data-code="${esc(top.code)}" data-weight="1"></circle>
    <text class="sun-top-label" text-anchor="middle" y="4">${esc(top.code)}</text>`;
  for (const x of arcs) {
    const d = mk({ innerRadius: ring * x.depth, outerRadius: ring * (x.depth + 1) - 1, startAngle: x.a0, endAngle: x.a1, padAngle: 0.004 });
    const light = x.c.type === 'Indicator' ? 0.25 : 0;
    g += `<path class="arc ${x.c.type === 'Indicator' ? 'ind' : 'agg'}" d="${d}" fill="${x.colour}" fill-opacity="${1 - light}" data-code="${esc(x.c.code)}" data-weight="${x.c.effWeight}"><title>${esc(x.c.name || x.c.code)}: ${(x.c.effWeight * 100).toFixed(1)} % of the index</title></path>`;
    if (x.a1 - x.a0 > 0.18) {
      const mid = (x.a0 + x.a1) / 2;
      const rr = ring * (x.depth + 0.5);
      g += `<text class="arc-label" text-anchor="middle" x="${(Math.sin(mid) * rr).toFixed(1)}" y="${(-Math.cos(mid) * rr + 4).toFixed(1)}">${esc(x.c.code)}</text>`;
    }
  }
  return `<figure class="chart sunburst"><svg viewBox="${-R - 4} ${-R - 4} ${2 * R + 8} ${2 * R + 8}" width="${2 * R + 8}" role="img" aria-label="The framework by effective weight">${g}</svg>
    <figcaption>Each arc's angle is its effective weight in ${esc(model.data.index.code)}; hover for the share. ${weightNote(model.data.weights)}</figcaption></figure>`;
}

/** One strip per indicator: every unit's raw value; treated points (changed by the [treat]
 * step) ringed in red; units whose value was imputed are counted under the strip. */
function distributions(model) {
  const d = model.data;
  if (!model.units.some((u) => Array.isArray(u.raw))) return '';
  const W = 560;
  const rowH = 34;
  const lab = 170;
  let g = '';
  d.indicators.forEach((ind, j) => {
    const pts = model.units.map((u) => ({ u, v: u.raw ? u.raw[j] : null })).filter((p) => isNum(p.v));
    const y0 = j * rowH + 18;
    const nimp = model.units.filter((u) => u.imputedSet.has(j)).length;
    g += `<text class="ind-label" x="${lab - 8}" y="${y0 + 4}" text-anchor="end">${esc(ind.code)}${nimp ? ` (${nimp} imputed)` : ''}</text>`;
    if (!pts.length) return;
    const vs = pts.map((p) => p.v);
    const lo = Math.min(...vs);
    const hi = Math.max(...vs);
    const x = scaleLinear().domain(lo === hi ? [lo - 1, hi + 1] : [lo, hi]).range([lab, W - 50]);
    g += `<line class="axis" x1="${lab}" x2="${W - 50}" y1="${y0}" y2="${y0}"></line>
      <text class="tick" x="${lab}" y="${y0 + 16}">${esc(String(+lo.toPrecision(4)))}</text>
      <text class="tick" x="${W - 50}" y="${y0 + 16}" text-anchor="end">${esc(String(+hi.toPrecision(4)))}</text>`;
    pts.forEach((p, k) => {
      const treated = p.u.treatedSet.has(j);
      const jitter = ((k * 7) % 9) - 4; // spread ties a little, the same on every render
      g += `<circle class="pt${treated ? ' treated' : ''}" cx="${x(p.v).toFixed(1)}" cy="${y0 + jitter}" r="${treated ? 5 : 3.5}" data-ind="${esc(ind.code)}" data-code="${esc(p.u.code)}" data-value="${p.v}"><title>${esc(p.u.name)}: ${p.v}${treated ? ' (treated)' : ''}</title></circle>`;
    });
  });
  const H = d.indicators.length * rowH + 10;
  return `<figure class="chart dist"><svg viewBox="0 0 ${W} ${H}" width="${W}" role="img" aria-label="Indicator distributions">${g}</svg>
    <figcaption>Raw values (${esc(d.rawFile || 'Raw.csv')}), one dot per unit; <span class="treated-key"></span> treated by the build's [treat] step${d.treatedFile ? ` (${esc(d.treatedFile)})` : ''}; imputed values are not raw data and are not shown.</figcaption></figure>`;
}

/** A CSV table {head, rows} as objects. */
function records(t) {
  return t && Array.isArray(t.rows) ? t.rows.map((r) => Object.fromEntries(t.head.map((h, j) => [h, r[j]]))) : [];
}
const n = (s) => (s === '' || s == null || s === 'NA' ? NaN : Number(s));

function sobolBars(model) {
  const rows = records(model.data.sobol);
  if (!rows.length) return '';
  const W = 560;
  const lab = 140;
  const rowH = 40;
  const all = rows.flatMap((r) => [r.Si, r.Si_q025, r.Si_q975, r.STi, r.STi_q025, r.STi_q975].map(n)).filter(isNum);
  const x = scaleLinear().domain([Math.min(0, ...all), Math.max(1, ...all)]).range([lab, W - 20]);
  let g = `<line class="axis" x1="${x(0)}" x2="${x(0)}" y1="4" y2="${rows.length * rowH + 8}"></line>`;
  for (const t of x.ticks(5)) g += `<text class="tick" x="${x(t)}" y="${rows.length * rowH + 22}" text-anchor="middle">${t}</text>`;
  rows.forEach((r, i) => {
    const y = i * rowH + 8;
    g += `<text x="${lab - 8}" y="${y + 18}" text-anchor="end">${esc(r.factor)}</text>`;
    [
      ['Si', 'first', 0],
      ['STi', 'total', 16],
    ].forEach(([k, cls, dy]) => {
      const v = n(r[k]);
      const lo = n(r[`${k}_q025`]);
      const hi = n(r[`${k}_q975`]);
      if (!isNum(v)) return;
      const a = Math.min(x(0), x(v));
      g += `<rect class="hbar ${cls}" x="${a}" y="${y + dy}" width="${Math.abs(x(v) - x(0)).toFixed(1)}" height="13" data-factor="${esc(r.factor)}" data-index="${k}" data-value="${v}" data-lo="${attr(lo)}" data-hi="${attr(hi)}"><title>${esc(r.factor)} ${k} ${f3(v)} (95 % interval ${f3(lo)} to ${f3(hi)})</title></rect>`;
      if (isNum(lo) && isNum(hi))
        g += `<line class="whisker" x1="${x(lo)}" x2="${x(hi)}" y1="${y + dy + 6.5}" y2="${y + dy + 6.5}"></line>`;
    });
  });
  const H = rows.length * rowH + 30;
  return `<figure class="chart sobol"><svg viewBox="0 0 ${W} ${H}" width="${W}" role="img" aria-label="Sobol' indices">${g}</svg>
    <figcaption><span class="key first"></span> first-order S<sub>i</sub> and <span class="key total"></span> total S<sub>Ti</sub> of the mean absolute rank shift, each with its bootstrap 95 % interval (${esc(model.data.sobol.file)}).</figcaption></figure>`;
}

function rankIntervals(model) {
  const units = model.scored.filter((u) => u.interval).sort((a, b) => a.rank - b.rank);
  if (!units.length) return '';
  const W = 560;
  const lab = 150;
  const rowH = 16;
  const N = model.scored.length;
  const x = scaleLinear().domain([1, Math.max(2, N)]).range([lab, W - 16]);
  let g = '';
  units.forEach((u, i) => {
    const y = i * rowH + 12;
    const [lo, med, hi] = u.interval;
    g += `<text x="${lab - 8}" y="${y + 4}" text-anchor="end">${esc(u.name)}</text>
      <line class="iv" x1="${x(lo)}" x2="${x(hi)}" y1="${y}" y2="${y}" data-code="${esc(u.code)}" data-lo="${lo}" data-median="${attr(med)}" data-hi="${hi}" data-rank="${u.rank}"><title>${esc(u.name)}: rank ${u.rank}, 5–95 % ${lo}–${hi}</title></line>
      ${isNum(med) ? `<circle class="med" cx="${x(med)}" cy="${y}" r="3"></circle>` : ''}
      <path class="nominal" d="M${x(u.rank) - 3},${y - 3}l6,6m0,-6l-6,6"></path>`;
  });
  for (const t of x.ticks(Math.min(10, N)).filter(Number.isInteger))
    g += `<text class="tick" x="${x(t)}" y="${units.length * rowH + 20}" text-anchor="middle">${t}</text>`;
  const H = units.length * rowH + 28;
  return `<figure class="chart ranks"><svg viewBox="0 0 ${W} ${H}" width="${W}" role="img" aria-label="Rank intervals">${g}</svg>
    <figcaption>Rank as built (×), median (dot) and 5–95 % interval over the uncertainty analysis's runs (${esc(model.data.intervals ? model.data.intervals.file : '')}); rank 1 is the highest score.</figcaption></figure>`;
}

/** humsec compare: each unit's rank of the index in build A against build B. */
function compareChart(model) {
  const t = model.data.compare;
  const rows = records(t).filter((r) => r.iCode === model.data.index.code && (!r.Time || n(r.Time) === model.data.latest || !model.year));
  if (!rows.length) return '';
  const W = 420;
  const rowH = 16;
  const max = Math.max(2, ...rows.flatMap((r) => [n(r['coin.1']), n(r['coin.2'])]).filter(isNum));
  const y = scaleLinear().domain([1, max]).range([20, 20 + rowH * max]);
  let g = `<text class="col" x="130" y="12" text-anchor="middle">A</text><text class="col" x="${W - 130}" y="12" text-anchor="middle">B</text>`;
  for (const r of rows) {
    const a = n(r['coin.1']);
    const b = n(r['coin.2']);
    const name = (model.byCode.get(r.uCode) || { name: r.uCode }).name;
    const cls = !isNum(a) || !isNum(b) ? 'same' : a > b ? 'up' : a < b ? 'down' : 'same';
    if (isNum(a)) g += `<text x="122" y="${y(a) + 4}" text-anchor="end">${esc(name)} ${a}</text>`;
    if (isNum(b)) g += `<text x="${W - 122}" y="${y(b) + 4}">${b} ${esc(name)}</text>`;
    if (isNum(a) && isNum(b))
      g += `<line class="slope ${cls}" x1="130" x2="${W - 130}" y1="${y(a)}" y2="${y(b)}" data-code="${esc(r.uCode)}" data-a="${a}" data-b="${b}"><title>${esc(name)}: ${a} → ${b}</title></line>`;
  }
  const H = 30 + rowH * max;
  return `<figure class="chart compare"><svg viewBox="0 0 ${W} ${H}" width="${W}" role="img" aria-label="Ranks in two builds">${g}</svg>
    <figcaption>Ranks of ${esc(model.data.index.code)} in build A (left) and B (right), from ${esc(t.file)} (<code>humsec compare</code>); blue lines climb, red ones fall.</figcaption></figure>`;
}

/** humsec whatif: the mean absolute rank change when each element is removed. */
function whatifChart(model) {
  const t = model.data.whatif;
  const rows = records(t).filter((r) => r.iCode !== 'Nominal' && isNum(n(r.MeanAbsDiff)));
  if (!rows.length) return '';
  const W = 560;
  const lab = 150;
  const rowH = 24;
  const x = scaleLinear().domain([0, Math.max(1e-9, ...rows.map((r) => n(r.MeanAbsDiff)))]).nice().range([lab, W - 50]);
  let g = '';
  rows.forEach((r, i) => {
    const v = n(r.MeanAbsDiff);
    const y = i * rowH + 6;
    g += `<text x="${lab - 8}" y="${y + 13}" text-anchor="end">${esc(r.iCode)}</text>
      <rect class="hbar whatif" x="${lab}" y="${y}" width="${(x(v) - lab).toFixed(1)}" height="16" data-code="${esc(r.iCode)}" data-value="${v}"></rect>
      <text class="tick" x="${x(v) + 4}" y="${y + 13}">${v.toFixed(2)}</text>`;
  });
  const H = rows.length * rowH + 10;
  return `<figure class="chart whatif"><svg viewBox="0 0 ${W} ${H}" width="${W}" role="img" aria-label="Mean rank change without each element">${g}</svg>
    <figcaption>Mean absolute rank change of the units when each element's weight is set to 0 (${esc(t.file)}, <code>humsec whatif</code>): the longer the bar, the more the ranking leans on it.</figcaption></figure>`;
}

/** One picture's HTML; a picture that cannot be drawn says so and leaves the rest of the page. */
function safely(name, draw) {
  try {
    return draw();
  } catch (e) {
    console.error(`${name}: ${e.message}`); // the browser tests fail on console errors
    return `<p class="muted small">The ${esc(name)} could not be drawn.</p>`;
  }
}

export function renderCharts(app, model) {
  const block = (id, title, draw, note = '') => {
    const body = safely(title, draw);
    return body ? `<div class="chart-block" id="${id}"><h3>${title}</h3>${note ? `<p class="muted small">${note}</p>` : ''}<div class="charts">${body}</div></div>` : '';
  };
  const corr = () => levels(model).map((l) => heatmap(model, l)).join('');
  const html =
    block('chart-framework', 'The framework', () => sunburst(model)) +
    block('chart-corr', 'Correlations', corr, `Pearson correlations between the ${model.noun.many}' values${esc(model.inYear)} (normalised indicators, aggregate scores), per level; pairs with a missing value are left out.`) +
    block('chart-dist', 'Indicator distributions', () => distributions(model)) +
    block('chart-sobol', "Sensitivity: Sobol' indices", () => sobolBars(model)) +
    block('chart-ranks', 'Rank intervals', () => rankIntervals(model)) +
    block('chart-compare', 'Comparison of two builds', () => compareChart(model)) +
    block('chart-whatif', 'What if an element is removed', () => whatifChart(model));
  if (!html) return;
  app.appendChild(
    el(`<section class="card analysis" id="analysis"><div class="card-head"><h2>Analysis</h2></div>${html}</section>`)
  );
}
