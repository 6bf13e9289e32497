// charts.js - the dashboard's small SVG charts, drawn as strings: a sparkline (alerts), a
// line chart of a score over the years (country trends) and monthly bars (events). Each
// chart carries an accessible name that says what it shows in words.
import { scaleLinear, scaleBand } from 'd3-scale';
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
    const by = y(r.deaths || 0);
    const hot = flagged.has(r.month);
    g += `<rect class="mbar${hot ? ' alert' : ''}" x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${x.bandwidth().toFixed(2)}" height="${(
      h - m.b - by
    ).toFixed(1)}"><title>${esc(r.month)}: ${r.deaths} deaths, ${r.events} events${hot ? ' (alert)' : ''}</title></rect>`;
    if (hot) g += `<path class="flag" d="M${(bx + x.bandwidth() / 2).toFixed(1)},${(by - 3).toFixed(1)} l-3.5,-6 h7 z"></path>`;
    if (r.month.endsWith('-01')) g += `<text class="xtick" x="${bx.toFixed(1)}" y="${h - 6}">${esc(r.month.slice(0, 4))}</text>`;
  }
  return `<svg class="bars" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(label)}">${g}</svg>`;
}
