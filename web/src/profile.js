// profile.js - the country profile, a panel that slides in when a country is clicked: the
// score and rank, the pillar breakdown against the median country, what pulls the score
// down most, and the trend of the index and its pillars since the first year.
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import { extent } from 'd3-array';
import { schemeTableau10 } from 'd3-scale-chromatic';
import { el, esc, isNum, median, ordinal } from './util.js';
import { shortfalls } from './model.js';

const TOP_PULLS = 5;

function pillarBlock(model, u) {
  const d = model.data;
  if (!d.pillars.length) return '';
  const rows = d.pillars
    .map((p, j) => {
      const [a, b] = model.pillarRange[j];
      const v = u.pillars[j];
      const pos = (x) => (b > a ? ((x - a) / (b - a)) * 100 : 100);
      const med = median(model.scored.map((s) => s.pillars[j]));
      const bar = isNum(v)
        ? `<i style="width:${Math.max(1, pos(v)).toFixed(1)}%;background:${model.pillarColour[j](v)}"></i>`
        : '';
      const mk = med != null ? `<b class="median" style="left:${pos(med).toFixed(1)}%" title="median ${model.noun.one}"></b>` : '';
      const rank = u.pillarRanks[j];
      return `<div class="pillar-row"><div class="pillar-name">${esc(p.name || p.code)}
        <span class="muted">${rank ? `${ordinal(rank)} of ${model.scored.length}` : ''}</span></div>
        <div class="pillar-bar">${bar}${mk}</div>
        <div class="pillar-val">${isNum(v) ? esc(model.fmt(v)) : '–'}</div></div>`;
    })
    .join('');
  return `<h3>Pillars</h3><div class="pillars">${rows}</div>
    <p class="muted small">Bars span the lowest to the highest ${model.noun.one}${esc(model.inYear)};
    the tick marks the median ${model.noun.one}.</p>`;
}

function pullBlock(model, u) {
  const list = shortfalls(model, u).slice(0, TOP_PULLS);
  if (!list.length) return '';
  const maxPull = Math.max(...list.map((x) => x.pull), 1e-12);
  const d = model.data;
  const rows = list
    .map((x) => {
      const pillar = d.pillars.find((p) => p.code === x.ind.pillar);
      return `<li><div class="pull-name">${esc(x.ind.name || x.ind.code)}
        <span class="muted">${pillar ? esc(pillar.name || pillar.code) + ' · ' : ''}weight ${(
        x.ind.weight * 100
      ).toFixed(1)} %</span></div>
        <div class="pull-bar"><i style="width:${((x.pull / maxPull) * 100).toFixed(1)}%"></i></div>
        <div class="pull-val">${(x.gap * 100).toFixed(0)} % ${model.lowerIsBetter ? 'above' : 'below'} best</div></li>`;
    })
    .join('');
  const title = model.lowerIsBetter ? 'What drives the score up most' : 'What pulls the score down most';
  return `<h3>${title}</h3><ol class="pulls">${rows}</ol>
    <p class="muted small">Each indicator's distance from the best ${model.noun.one}${esc(model.inYear)}
    (as a share of the range between the worst and the best), times its effective weight in
    the index. The longest bars cost the most points.${imputedNote(model, u)}</p>`;
}

/** Imputed indicators are named apart: their values are estimates, not the unit's own. */
function imputedNote(model, u) {
  const names = [...(u.imputedSet || [])].map((j) => model.data.indicators[j]).filter(Boolean);
  if (!names.length) return '';
  const how = /^(i_)?latest/.test(model.data.impute || '') ? ' (the last value reported, carried forward)' : '';
  return ` <span class="imputed-note">Imputed${how}, so left out above: ${names
    .map((i) => `<span class="imputed" data-ind="${esc(i.code)}">${esc(i.name || i.code)}</span>`)
    .join(', ')}.</span>`;
}

function trendBlock(model, u) {
  const d = model.data;
  const W = 440;
  const H = 190;
  const m = { l: 40, r: 12, t: 10, b: 24 };
  const first = u.series.findIndex(isNum);
  if (first < 0) return '';
  const times = d.times.slice(first);
  if (times.length < 2) return '';
  const all = [u.series, ...u.pillarSeries].flatMap((s) => s.slice(first)).filter(isNum);
  const [lo, hi] = extent(all);
  const x = scaleLinear().domain([times[0], times[times.length - 1]]).range([m.l, W - m.r]);
  const y = scaleLinear()
    .domain(lo === hi ? [lo - 1, hi + 1] : [lo, hi])
    .nice()
    .range([H - m.b, m.t]);
  const mk = line()
    .defined((p) => isNum(p[1]))
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  const pts = (s) => times.map((t, i) => [t, s[first + i]]);
  const colours = schemeTableau10;
  let g = '';
  for (const t of y.ticks(4))
    g += `<g class="tick"><line x1="${m.l}" x2="${W - m.r}" y1="${y(t)}" y2="${y(t)}"></line><text x="${
      m.l - 6
    }" y="${y(t) + 4}" text-anchor="end">${esc(model.fmt(t))}</text></g>`;
  for (const t of x.ticks(Math.min(6, times.length)).filter(Number.isInteger))
    g += `<text class="xtick" x="${x(t)}" y="${H - 6}" text-anchor="middle">${t}</text>`;
  const legend = [];
  u.pillarSeries.forEach((s, j) => {
    const c = colours[j % colours.length];
    g += `<path class="line pillar" d="${mk(pts(s)) || ''}" stroke="${c}"></path>`;
    legend.push(`<span><i style="background:${c}"></i>${esc(d.pillars[j].name || d.pillars[j].code)}</span>`);
  });
  g += `<path class="line top" d="${mk(pts(u.series)) || ''}"></path>`;
  legend.unshift(`<span><i class="top"></i>${esc(d.index.code)}</span>`);
  const v0 = u.series[first];
  const last = [...u.series].reverse().find(isNum);
  const change = last - v0;
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  return `<h3>Trend since ${times[0]}</h3>
    <p class="trend-sum">${esc(model.fmt(v0))} in ${times[0]} → ${esc(model.fmt(last))} in ${esc(
    d.latest
  )} <span class="${change >= 0 !== model.lowerIsBetter ? 'up' : 'down'}">${sign}${esc(model.fmt(Math.abs(change)))}</span></p>
    <svg class="trend" viewBox="0 0 ${W} ${H}" role="img" aria-label="Trend">${g}</svg>
    <div class="trend-legend">${legend.join('')}</div>`;
}

export function createProfile(model) {
  const node = el(`<div class="profile" hidden>
      <div class="profile-backdrop"></div>
      <aside class="profile-panel" role="dialog" aria-modal="true" aria-labelledby="profile-title">
        <button class="close" aria-label="Close">×</button>
        <div class="profile-body"></div>
      </aside></div>`);
  const body = node.querySelector('.profile-body');
  const close = () => {
    node.hidden = true;
    document.body.classList.remove('noscroll');
  };
  node.querySelector('.close').addEventListener('click', close);
  node.querySelector('.profile-backdrop').addEventListener('click', close);
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') close();
  });

  function open(code) {
    const u = model.byCode.get(code);
    if (!u) return;
    const d = model.data;
    const scored = isNum(u.score);
    const interval = u.interval
      ? `<div class="stat"><span>Rank interval (${esc(d.intervals.label)})</span><b>${u.interval[0]}–${u.interval[2]}</b></div>`
      : '';
    body.innerHTML = `
      <div class="eyebrow">${esc(u.code)}${model.year ? ` · ${esc(model.year)}` : ''}</div>
      <h2 id="profile-title">${esc(u.name)}</h2>
      <div class="stats">
        <div class="stat big" style="border-color:${model.colour(u.score)}"><span>${esc(d.index.code)}</span><b>${
      scored ? esc(model.fmt(u.score)) : 'not scored'
    }</b></div>
        <div class="stat"><span>Rank</span><b>${scored ? `${u.rank} <small>of ${model.scored.length}</small>` : '–'}</b></div>
        ${interval}
      </div>
      ${scored ? pillarBlock(model, u) + pullBlock(model, u) : `<p>Not enough data to score this ${model.noun.one} in the latest year.</p>`}
      ${trendBlock(model, u)}`;
    node.dataset.code = code;
    node.hidden = false;
    document.body.classList.add('noscroll');
    node.querySelector('.close').focus();
  }
  return { node, open };
}
