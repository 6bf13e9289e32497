// common.js - what the views share: links in the hash router's form, the chosen index and
// its nodes, number formats, and the loading and error boxes.
import { el, esc } from '../util.js';

/** A hash link: href('country', {index: 'hsi'}, 'AFG') -> '#/country/AFG?index=hsi'. */
export function href(view, params = {}, id = '') {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `#/${view}${id ? `/${encodeURIComponent(id)}` : ''}${s ? `?${s}` : ''}`;
}

/** The index a route asks for, else the HSI, else the first one the server has. */
export function pickIndex(ctx, id) {
  return ctx.indices.find((i) => i.id === id) || ctx.indices.find((i) => i.id === 'hsi') || ctx.indices[0] || null;
}

/** A year of the index: the one asked for when the index has it, else its latest. */
export function pickYear(ix, y) {
  const n = Number(y);
  if (y != null && y !== '' && ix.years.includes(n)) return n;
  return ix.latest_year != null ? ix.latest_year : ix.years[ix.years.length - 1];
}

export function nodeByCode(ix, code) {
  return ix.nodes.find((n) => n.code === code) || null;
}

/** The nodes directly under `code`, in the order the structure lists them. */
export function childrenOf(ix, code) {
  return ix.nodes.filter((n) => n.parent === code);
}

/** The aggregates a map can show: the top node first, then the levels below it, top down. */
export function measures(ix) {
  const aggs = ix.nodes.filter((n) => n.type === 'Aggregate');
  const out = [];
  const walk = (code, depth) => {
    const n = nodeByCode(ix, code);
    if (!n) return;
    out.push({ node: n, depth });
    for (const c of childrenOf(ix, code)) if (c.type === 'Aggregate') walk(c.code, depth + 1);
  };
  walk(ix.top, 0);
  for (const n of aggs) if (!out.some((o) => o.node.code === n.code)) out.push({ node: n, depth: 1 });
  return out;
}

/** True when a high score is bad (the top node's direction is -1, as for a risk index). */
export function lowerIsBetter(ix) {
  const top = nodeByCode(ix, ix.top);
  return !!(top && top.direction < 0);
}

/** A number format with a precision suited to the values' range (0-1 indices get 3 digits). */
export function formatFor(values) {
  const v = values.filter((x) => typeof x === 'number' && isFinite(x));
  const span = v.length ? Math.max(...v) - Math.min(...v) : 100;
  const big = v.length ? Math.max(...v.map(Math.abs)) : 100;
  const digits = big <= 2 || span <= 2 ? 3 : span <= 20 ? 2 : 1;
  return (x) => (x == null || !isFinite(x) ? '–' : x.toFixed(digits));
}

export function nodeLabel(n) {
  return n.name && n.name !== n.code ? n.name : n.code;
}

export function loading(what) {
  return el(`<div class="loading" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>Loading ${esc(what)}…</div>`);
}

/** A visible error with the server's message and code, and a button that tries again. */
export function errorBox(err, what, retry) {
  const code = err && err.code ? ` <code>${esc(err.code)}${err.status ? ` ${err.status}` : ''}</code>` : '';
  const path = err && err.path ? `<div class="err-path">${esc(err.path)}</div>` : '';
  const box = el(`<div class="error" role="alert">
      <strong>Could not load ${esc(what)}.</strong> ${esc(err && err.message ? err.message : String(err))}${code}${path}
      ${retry ? '<button type="button" class="btn retry">Try again</button>' : ''}
    </div>`);
  if (retry) box.querySelector('.retry').addEventListener('click', retry);
  return box;
}

/** "May 2023" from "2023-05". */
export function monthName(m) {
  const [y, mo] = String(m).split('-').map(Number);
  if (!y || !mo) return String(m);
  return new Date(Date.UTC(y, mo - 1, 1)).toLocaleDateString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
}
