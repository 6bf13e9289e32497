// charts.js - the dashboard's small SVG charts, drawn as strings: a sparkline (alerts), a
// line chart of a score over the years (country trends), monthly bars (events) and the fan
// chart of a forecast. Each chart carries an accessible name that says what it shows in
// words.
import { scaleLinear, scaleBand, scaleSymlog } from 'd3-scale';
import { line, area } from 'd3-shape';
import { max } from 'd3-array';
import { esc, isNum } from '../util.js';

/**
 * A 12-month style sparkline of `values` (numbers, null allowed); the last point is marked,
 * as it is the month an alert is about.
 */
export function sparkline(values, { w = 160, h = 40, label = '', cls = '' } = {}) {
  const n = values.length;
  if (!n) return '';
  const hi = Math.max(1, ...values.filter(isNum));
  const x = scaleLinear().domain([0, Math.max(1, n - 1)]).range([3, w - 5]);
  const y = scaleLinear().domain([0, hi]).range([h - 3, 4]);
  const pts = values.map((v, i) => [i, v]);
  const ln = line()
    .defined((p) => isNum(p[1]))
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  const ar = area()
    .defined((p) => isNum(p[1]))
    .x((p) => x(p[0]))
    .y0(h - 3)
    .y1((p) => y(p[1]));
  const last = values[n - 1];
  const dot = isNum(last) ? `<circle class="last" cx="${x(n - 1).toFixed(1)}" cy="${y(last).toFixed(1)}" r="3.2"></circle>` : '';
  return `<svg class="spark ${cls}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(label)}">
    <path class="area" d="${ar(pts) || ''}"></path><path class="line" d="${ln(pts) || ''}"></path>${dot}</svg>`;
}

/**
 * A line chart of one series over the years: points [{x: year, y: value}], a shared y domain
 * (so small multiples compare), gridlines and the first and last values labelled.
 */
export function lineChart(points, { w = 300, h = 130, domain, fmt = (v) => String(v), label = '', colour = '#2f5d8a', years } = {}) {
  const m = { l: 34, r: 12, t: 10, b: 20 };
  const xs = years && years.length ? years : points.map((p) => p.x);
  if (!xs.length) return '';
  const x = scaleLinear()
    .domain([xs[0], xs[xs.length - 1] === xs[0] ? xs[0] + 1 : xs[xs.length - 1]])
    .range([m.l, w - m.r]);
  const vals = points.map((p) => p.y).filter(isNum);
  let d = domain || [Math.min(...vals), Math.max(...vals)];
  if (!vals.length && !domain) d = [0, 1];
  if (d[0] === d[1]) d = [d[0] - 1, d[1] + 1];
  const y = scaleLinear().domain(d).nice(4).range([h - m.b, m.t]);
  const ln = line()
    .defined((p) => isNum(p.y))
    .x((p) => x(p.x))
    .y((p) => y(p.y));
  let g = '';
  for (const t of y.ticks(3))
    g += `<g class="tick"><line x1="${m.l}" x2="${w - m.r}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"></line><text x="${m.l - 5}" y="${(
      y(t) + 3.5
    ).toFixed(1)}" text-anchor="end">${esc(fmt(t))}</text></g>`;
  const xt = xs.length > 1 ? [xs[0], xs[xs.length - 1]] : [xs[0]];
  for (const t of xt) g += `<text class="xtick" x="${x(t).toFixed(1)}" y="${h - 5}" text-anchor="middle">${t}</text>`;
  const def = points.filter((p) => isNum(p.y));
  let marks = '';
  if (def.length === 1) marks = `<circle cx="${x(def[0].x).toFixed(1)}" cy="${y(def[0].y).toFixed(1)}" r="3.5" fill="${colour}"></circle>`;
  else if (def.length) {
    const a = def[def.length - 1];
    marks = `<circle cx="${x(a.x).toFixed(1)}" cy="${y(a.y).toFixed(1)}" r="3.5" fill="${colour}"></circle>`;
  }
  return `<svg class="linechart" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(label)}">${g}
    <path class="line" d="${ln(points) || ''}" stroke="${colour}"></path>${marks}</svg>`;
}

/**
 * Monthly bars of deaths, months ["YYYY-MM", ...] in order; `flagged` is a Set of months with
 * an alert, drawn in the warning colour with a marker above the bar.
 */
export function monthBars(rows, { w = 720, h = 170, flagged = new Set(), label = '' } = {}) {
  const m = { l: 40, r: 8, t: 14, b: 22 };
  if (!rows.length) return '';
  const x = scaleBand()
    .domain(rows.map((r) => r.month))
    .range([m.l, w - m.r])
    .paddingInner(rows.length > 80 ? 0.05 : 0.18);
  const hi = max(rows, (r) => r.deaths) || 1;
  const y = scaleLinear().domain([0, hi]).nice(4).range([h - m.b, m.t]);
  let g = '';
  for (const t of y.ticks(4))
    g += `<g class="tick"><line x1="${m.l}" x2="${w - m.r}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"></line><text x="${m.l - 5}" y="${(
      y(t) + 3.5
    ).toFixed(1)}" text-anchor="end">${t}</text></g>`;
  for (const r of rows) {
    const bx = x(r.month);
    if (r.month.endsWith('-01')) g += `<text class="xtick" x="${bx.toFixed(1)}" y="${h - 6}">${esc(r.month.slice(0, 4))}</text>`;
    if (!isNum(r.deaths)) {
      // a month no source covers: no bar (not a bar of zero), a faint band says so
      g += `<rect class="mbar nodata" x="${bx.toFixed(1)}" y="${m.t}" width="${x.bandwidth().toFixed(2)}" height="${h - m.b - m.t}"><title>${esc(
        r.month
      )}: no data</title></rect>`;
      continue;
    }
    const by = y(r.deaths || 0);
    const hot = flagged.has(r.month);
    g += `<rect class="mbar${hot ? ' alert' : ''}" x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${x.bandwidth().toFixed(2)}" height="${(
      h - m.b - by
    ).toFixed(1)}"><title>${esc(r.month)}: ${r.deaths} deaths, ${r.events} events${hot ? ' (alert)' : ''}</title></rect>`;
    if (hot) g += `<path class="flag" d="M${(bx + x.bandwidth() / 2).toFixed(1)},${(by - 3).toFixed(1)} l-3.5,-6 h7 z"></path>`;
  }
  return `<svg class="bars" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(label)}">${g}</svg>`;
}

/** Month index of "YYYY-MM" (months since year 0), so months can be placed on one axis. */
const monthIndex = (m) => {
  const [y, mo] = String(m).split('-').map(Number);
  return y * 12 + mo - 1;
};

/**
 * The fan chart of a forecast: the monthly deaths before the origin as a line, then the
 * median and the 50 % and 90 % bands of each lead. Deaths run from none to thousands, so
 * the y axis is symmetric-logarithmic (linear near 0, logarithmic above). Each lead also
 * gets a transparent column carrying its quantiles (data-q05 .. data-q95) and a tooltip.
 * history: [{month, deaths|null}], leads: [{lead, month, q05, q25, q50, q75, q95}].
 */
export function fanChart(history, leads, { w = 1100, h = 260, label = '' } = {}) {
  const m = { l: 48, r: 12, t: 14, b: 24 };
  if (!leads.length) return '';
  const months = [...history.map((r) => r.month), ...leads.map((r) => r.month)];
  const i0 = monthIndex(months[0]);
  const x = scaleLinear()
    .domain([0, Math.max(1, months.length - 1)])
    .range([m.l + 4, w - m.r - 4]);
  const xm = (mo) => x(monthIndex(mo) - i0);
  const hi = Math.max(1, ...history.map((r) => r.deaths).filter(isNum), ...leads.map((r) => r.q95).filter(isNum));
  const y = scaleSymlog().constant(1).domain([0, hi]).range([h - m.b, m.t]);
  let g = '';
  for (const t of [0, 1, 10, 100, 1000, 10000, 100000].filter((v) => v <= hi * 1.001))
    g += `<g class="tick"><line x1="${m.l}" x2="${w - m.r}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"></line><text x="${m.l - 5}" y="${(
      y(t) + 3.5
    ).toFixed(1)}" text-anchor="end">${t.toLocaleString('en-GB')}</text></g>`;
  for (const mo of months)
    if (mo.endsWith('-01')) g += `<text class="xtick" x="${xm(mo).toFixed(1)}" y="${h - 6}" text-anchor="middle">${esc(mo.slice(0, 4))}</text>`;
  const pts = history.map((r) => [xm(r.month), r.deaths]);
  const hist = line()
    .defined((p) => isNum(p[1]))
    .x((p) => p[0])
    .y((p) => y(p[1]));
  const band = (lo, up) =>
    area()
      .x((r) => xm(r.month))
      .y0((r) => y(r[lo]))
      .y1((r) => y(r[up]))(leads) || '';
  const med = line()
    .x((r) => xm(r.month))
    .y((r) => y(r.q50))(leads);
  const ox = history.length ? xm(history[history.length - 1].month) : xm(leads[0].month);
  const step = leads.length > 1 ? xm(leads[1].month) - xm(leads[0].month) : 10;
  let cells = '';
  for (const r of leads) {
    const cx = xm(r.month);
    cells += `<rect class="fan-cell" x="${(cx - step / 2).toFixed(1)}" y="${m.t}" width="${step.toFixed(2)}" height="${h - m.b - m.t}" data-lead="${
      r.lead
    }" data-month="${esc(r.month)}" data-q05="${r.q05}" data-q25="${r.q25}" data-q50="${r.q50}" data-q75="${r.q75}" data-q95="${r.q95}"><title>${esc(
      r.month
    )} (${r.lead} month${r.lead > 1 ? 's' : ''} ahead): median ${r.q50}, 50 % between ${r.q25} and ${r.q75}, 90 % between ${r.q05} and ${r.q95}</title></rect>`;
  }
  return `<svg class="fan" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(label)}">${g}
    <path class="band90" d="${band('q05', 'q95')}"></path><path class="band50" d="${band('q25', 'q75')}"></path>
    <path class="median" d="${med || ''}"></path><path class="hist" d="${hist(pts) || ''}"></path>
    <line class="origin" x1="${ox.toFixed(1)}" x2="${ox.toFixed(1)}" y1="${m.t}" y2="${h - m.b}"></line>
    <text class="origin-label" x="${(ox + 4).toFixed(1)}" y="${m.t + 10}">forecast →</text>${cells}</svg>`;
}
