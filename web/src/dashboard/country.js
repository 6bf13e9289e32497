// country.js - a country's page (#/country/AFG?index=hsi&year=2023): its score and rank in
// the chosen index and year with the rank interval, the index's structure (pillars and the
// levels below) with the country's score and rank at each node, the trend of the top score
// and the pillars over the years as small line charts, its monthly deaths from organised
// violence with the alert months marked, its forecast (a fan chart of the next 36 months
// and the probability of 25 or more deaths in a month within 3, 6 and 12), and its alerts.
import { makeColour } from '../colour.js';
import { el, esc, isNum, ordinal } from '../util.js';
import { api } from './api.js';
import { childrenOf, errorBox, formatFor, href, loading, lowerIsBetter, monthName, nodeByCode, nodeLabel, pickIndex } from './common.js';
import { fanChart, lineChart, monthBars } from './charts.js';
import { alertCard, newestFirst } from './alerts.js';

const MONTHS_SHOWN = 120; // ten years of bars stay readable at the page's width
const PALETTE = ['#1d2433', '#2f5d8a', '#c2410c', '#1a7f37', '#7c3aed', '#b45309', '#0e7490', '#be185d'];
const goodColour = makeColour(0, 1, false);

/** The year asked for when the series has it, else the latest year with a top score. */
function chooseYear(ci, want) {
  const years = ci.series.map((s) => s.year);
  const n = Number(want);
  if (want && years.includes(n)) return n;
  const scored = ci.series.filter((s) => s.nodes[ci.top] && isNum(s.nodes[ci.top].score));
  return scored.length ? scored[scored.length - 1].year : years[years.length - 1];
}

function structureBlock(ix, ci, year, nRanked, fmt) {
  const row = ci.series.find((s) => s.year === year);
  const at = (code) => (row && row.nodes[code]) || null;
  const reverse = lowerIsBetter(ix);
  const line = (n, depth) => {
    const v = at(n.code);
    const score = v && isNum(v.score) ? v.score : null;
    const rank = v && isNum(v.rank) ? v.rank : null;
    // a node's rank is out of the countries ranked at that node: a pillar may rank countries
    // the index leaves without a score (older servers send no count: the index's is used)
    const of = v && isNum(v.ranked) && v.ranked > 0 ? v.ranked : nRanked;
    let bar = '';
    if (rank != null && of > 1 && rank <= of) {
      const pos = (rank - 1) / (of - 1);
      const good = reverse ? pos : 1 - pos;
      bar = `<span class="pos" title="placed ${ordinal(rank)} of ${of}"><i style="width:${Math.max(2, good * 100).toFixed(1)}%;background:${goodColour(
        good
      )}"></i></span>`;
    } else bar = '<span class="pos empty"></span>';
    return `<div class="node-row depth${depth}${n.type === 'Indicator' ? ' ind' : ''}" data-node="${esc(n.code)}">
      <div class="node-name">${esc(nodeLabel(n))}${n.code !== nodeLabel(n) ? ` <span class="code">${esc(n.code)}</span>` : ''}${
      n.weight != null && n.parent ? ` <span class="muted small nowrap">weight ${esc(n.weight)}</span>` : ''
    }</div>
      ${bar}<div class="node-score">${score != null ? esc(fmt(score)) : '–'}</div>
      <div class="node-rank">${rank != null ? `${ordinal(rank)}${of && rank <= of ? ` <span class="muted">of ${of}</span>` : ''}` : '<span class="muted">no rank</span>'}</div></div>`;
  };
  const top = nodeByCode(ix, ix.top);
  let h = line(top, 0);
  for (const p of childrenOf(ix, ix.top)) {
    if (!at(p.code)) continue;
    h += line(p, 1);
    const below = [];
    const walk = (code, depth) => {
      for (const c of childrenOf(ix, code)) {
        if (!at(c.code)) continue;
        below.push(line(c, depth));
        walk(c.code, depth + 1);
      }
    };
    walk(p.code, 2);
    if (below.length)
      h += `<details class="node-more"><summary>${below.length} node${below.length > 1 ? 's' : ''} under ${esc(nodeLabel(p))}</summary>${below.join('')}</details>`;
  }
  return h;
}

function trendsBlock(ix, ci, fmt) {
  const nodes = [nodeByCode(ix, ix.top), ...childrenOf(ix, ix.top)].filter((n) => n && ci.series.some((s) => s.nodes[n.code]));
  const years = ci.series.map((s) => s.year);
  const vals = [];
  const series = nodes.map((n) => {
    const pts = ci.series.map((s) => ({ x: s.year, y: s.nodes[n.code] && isNum(s.nodes[n.code].score) ? s.nodes[n.code].score : null }));
    for (const p of pts) if (isNum(p.y)) vals.push(p.y);
    return { n, pts };
  });
  if (!vals.length) return '<p class="empty-note">No scores in any year.</p>';
  if (years.length < 2) return `<p class="empty-note">This index has one year (${years[0]}): no trend to draw.</p>`;
  const domain = [Math.min(...vals), Math.max(...vals)];
  const reverse = lowerIsBetter(ix);
  return `<div class="multiples">${series
    .map(({ n, pts }, i) => {
      const def = pts.filter((p) => isNum(p.y));
      let sum = '<span class="muted">no data</span>';
      if (def.length) {
        const a = def[0];
        const b = def[def.length - 1];
        const d = b.y - a.y;
        const better = reverse ? d < 0 : d > 0;
        sum = `<b>${esc(fmt(b.y))}</b> <span class="muted">in ${b.x}</span>${
          def.length > 1 ? ` <span class="chg ${d === 0 ? 'same' : better ? 'up' : 'down'}">${d > 0 ? '+' : d < 0 ? '−' : '±'}${esc(fmt(Math.abs(d)))} since ${a.x}</span>` : ''
        }`;
      }
      const label = `${nodeLabel(n)} by year: ${def.map((p) => `${p.x} ${fmt(p.y)}`).join(', ')}`;
      return `<figure class="multiple${i === 0 ? ' top' : ''}" data-node="${esc(n.code)}"><figcaption><span class="m-name">${esc(
        nodeLabel(n)
      )}</span><span class="m-sum">${sum}</span></figcaption>${lineChart(pts, { domain, fmt, label, colour: PALETTE[i % PALETTE.length], years: [years[0], years[years.length - 1]], ...(i === 0 ? { w: 620, h: 150 } : {}) })}</figure>`;
    })
    .join('')}</div>`;
}

function eventsBlock(ev, alerts) {
  const months = ((ev && ev.months) || []).slice().sort((a, b) => (a.month < b.month ? -1 : 1));
  if (!months.length) return '<p class="empty-note">No stored event source covers this country.</p>';
  const shown = months.slice(-MONTHS_SHOWN);
  const flagged = new Set(alerts.map((a) => a.month));
  // months no source covers are null: never counted as zero, and the sums say so
  const known = (rows) => rows.filter((r) => isNum(r.deaths));
  const sum = (rows) => rows.reduce((s, r) => s + (r.deaths || 0), 0);
  const tail = (rows, n) => {
    const k = known(rows.slice(-n));
    return k.length === n ? sum(k) : null;
  };
  const last12 = tail(months, 12);
  const prev12 = months.length >= 24 ? tail(months.slice(0, -12), 12) : null;
  const peak = known(shown).reduce((m, r) => (!m || r.deaths > m.deaths ? r : m), null) || { deaths: 0, month: shown[0].month };
  const first = shown[0].month;
  const last = shown[shown.length - 1].month;
  const gaps = shown.length - known(shown).length;
  const cov = (ev && ev.coverage) || [];
  const covText = cov.length
    ? `The stored events cover ${cov.map((c) => (c.first === c.last ? monthName(c.first) : `${monthName(c.first)} – ${monthName(c.last)}`)).join(', ')}: <strong>no data after ${esc(
        monthName(cov[cov.length - 1].last)
      )}</strong>${gaps ? `; ${gaps} month${gaps > 1 ? 's' : ''} shown without data (no bar)` : ''}.`
    : '';
  const label = `Deaths per month from ${monthName(first)} to ${monthName(last)}; the most, ${peak.deaths}, in ${monthName(peak.month)}.`;
  return `<div class="ev-kpis">
      <div><span>Deaths, 12 months to ${esc(monthName(last))}</span><b>${last12 != null ? last12.toLocaleString('en-GB') : '–'}</b>${
    last12 == null ? '<small>not all known</small>' : ''
  }</div>
      ${prev12 != null ? `<div><span>12 months before</span><b>${prev12.toLocaleString('en-GB')}</b></div>` : ''}
      <div><span>Worst month shown</span><b>${peak.deaths.toLocaleString('en-GB')}</b> <small>${esc(monthName(peak.month))}</small></div>
      <div><span>Events, last 12 months</span><b>${months
        .slice(-12)
        .reduce((s, r) => s + (r.events || 0), 0)
        .toLocaleString('en-GB')}</b></div>
    </div>
    ${monthBars(shown, { w: 1100, h: 180, flagged, label })}
    <p class="note">${monthName(first)} – ${monthName(last)}${months.length > shown.length ? ` (the last ${MONTHS_SHOWN} of ${months.length} months)` : ''}.
    Orange bars with a marker: months with an alert. ${covText}</p>`;
}

const pct = (p) => (isNum(p) ? `${(p * 100).toFixed(p >= 0.995 || p < 0.005 ? 0 : 1).replace(/\.0$/, '')} %` : '–');

/** The forecast block: probability cards, the fan chart, the run it comes from. */
function forecastBlock(fc, fcErr, name) {
  if (fcErr)
    return fcErr.status === 404
      ? `<p class="empty-note">No forecast for ${esc(name)}: ${esc(fcErr.message)}</p>`
      : errorBox(fcErr, 'the forecast').outerHTML;
  const leads = fc.leads || [];
  if (!leads.length)
    return `<p class="empty-note">No forecast for ${esc(name)}: its months up to ${esc(monthName(fc.run.origin))} are not all known.</p>`;
  const cards = (fc.within || [])
    .map(
      (w) =>
        `<div class="stat prob" data-months="${w.months}"><span>P(25+ deaths in a month), next ${w.months} months</span><b>${pct(w.p_ge25)}</b></div>`
    )
    .join('');
  const hist = fc.history || [];
  const known = hist.filter((r) => isNum(r.deaths));
  const l1 = leads[0];
  const l12 = leads[Math.min(11, leads.length - 1)];
  const label = `Deaths per month up to ${monthName(fc.run.origin)}${known.length ? `, the last ${known[known.length - 1].deaths}` : ''}; forecast median ${
    l1.q50
  } in ${monthName(l1.month)} (90 % between ${l1.q05} and ${l1.q95}) and ${l12.q50} in ${monthName(l12.month)} (90 % between ${l12.q05} and ${l12.q95}).`;
  const cov = fc.coverage;
  const src = (fc.run.sources || []).map((x) => x.name).join(', ');
  return `<div class="ev-kpis probs">${cards}</div>
    ${fanChart(hist, leads, { label })}
    <p class="note">Monthly deaths (line) to ${esc(monthName(fc.run.origin))}, then the forecast: the median (dark line), half of the
    draws in the dark band, nine in ten in the light band; the scale is logarithmic above 1. Model ${esc(fc.run.model)} (analogues,
    docs/warning.md), run ${fc.run.id} of ${esc(fc.run.created)}, from ${esc(src)}${
    cov ? `; data from ${esc(monthName(cov.first))}, <strong>no data after ${esc(monthName(cov.last))}</strong>` : ''
  }. The probabilities treat months as independent.</p>`;
}

export function createCountry(ctx, r) {
  const code = r.id;
  const node = el(`<div class="view country-view">
    <div class="page-head">
      <div><a class="back" href="#/">← Map &amp; ranking</a>
        <div class="eyebrow">${esc(code)}</div><h1 id="c-title">${esc(ctx.countries.get(code) || code)}</h1></div>
      <nav class="tabs" aria-label="Index"></nav>
    </div>
    <div class="country-body"></div></div>`);
  const bodyEl = node.querySelector('.country-body');
  let data = null;
  let fc = null;
  let fcErr = null;
  let token = 0;
  let shownKey = null;

  async function render(params) {
    const my = ++token;
    if (!data) {
      bodyEl.replaceChildren(loading(`${ctx.countries.get(code) || code}`));
      node.dataset.state = 'loading';
      try {
        const fcp = api.forecasts(code).then(
          (f) => (fc = f),
          (e) => (fcErr = e)
        );
        data = await api.country(code);
        await fcp;
      } catch (e) {
        if (my !== token) return;
        bodyEl.replaceChildren(errorBox(e, `the page of ${code}`, () => render(params)));
        node.dataset.state = 'error';
        return;
      }
      if (my !== token) return;
    }
    node.querySelector('#c-title').textContent = data.name || code;
    node.querySelector('.back').setAttribute('href', href('', { index: params.get('index'), year: params.get('year') }));
    const have = (data.indices || []).map((i) => i.id);
    const wantId = params.get('index');
    const ix = pickIndex({ indices: ctx.indices.filter((i) => have.includes(i.id)) }, wantId);
    const alerts = newestFirst(data.alerts || []);
    const tabs = node.querySelector('.tabs');
    tabs.innerHTML = (data.indices || [])
      .map((ci) => `<a href="${href('country', { index: ci.id }, code)}"${ix && ci.id === ix.id ? ' aria-current="page"' : ''}>${esc(ci.name || ci.id)}</a>`)
      .join('');
    let scoreHtml = '';
    if (!ix) {
      scoreHtml = `<section class="card"><p class="empty-note">${esc(data.name || code)} is in none of the indices the server holds.</p></section>`;
    } else {
      const found = data.indices.find((i) => i.id === ix.id);
      const ci = {
        ...found,
        top: found.top || ix.top,
        series: (found.series || []).filter((s) => s && s.nodes).sort((a, b) => a.year - b.year),
      };
      const year = chooseYear(ci, params.get('year'));
      const key = `${ix.id}/${year}`;
      if (key === shownKey && bodyEl.firstChild) return;
      // N and the rank interval come from the year's ranking (cached when the map was seen).
      let all = null;
      try {
        all = await api.scores(ix.id, year);
      } catch {
        all = null;
      }
      if (my !== token) return;
      const list = all && all.scores ? all.scores : [];
      const nRanked = list.filter((u) => isNum(u.score)).length || null;
      const me = list.find((u) => u.code === code) || null;
      const vals = [];
      for (const s of ci.series) for (const v of Object.values(s.nodes)) if (v && isNum(v.score)) vals.push(v.score);
      const fmt = formatFor(vals);
      const row = ci.series.find((s) => s.year === year);
      const top = row && row.nodes[ci.top || ix.top];
      const topOf = top && isNum(top.ranked) && top.ranked > 0 ? top.ranked : nRanked;
      const years = ci.series.map((s) => s.year);
      const yearSel =
        years.length > 1
          ? `<label class="year-pick">Year <select class="c-year">${years
              .slice()
              .reverse()
              .map((y) => `<option${y === year ? ' selected' : ''}>${y}</option>`)
              .join('')}</select></label>`
          : `<span class="muted">${year}</span>`;
      const iv = me && isNum(me.rank_lo) && isNum(me.rank_hi) ? `${me.rank_lo}–${me.rank_hi}` : null;
      const topScore = top && isNum(top.score) ? top.score : null;
      const colour = topScore != null && list.length ? makeColour(...extentOf(list), lowerIsBetter(ix))(topScore) : '#d9dde3';
      scoreHtml = `
      <section class="card score-card" aria-label="${esc(ix.name)} ${year}">
        <div class="stat big" style="border-color:${colour}"><span>${esc(ix.top)} ${year}</span><b>${topScore != null ? esc(fmt(topScore)) : 'no score'}</b></div>
        <div class="stat"><span>Rank</span><b>${top && isNum(top.rank) ? `${top.rank}${topOf ? ` <small>of ${topOf}</small>` : ''}` : '–'}</b></div>
        <div class="stat"><span>Rank range</span><b>${iv || '–'}</b>${iv ? '' : '<small>no uncertainty analysis</small>'}</div>
        <div class="stat"><span>Alerts</span><b>${alerts.length}</b>${alerts.length ? `<small>latest ${esc(monthName(alerts[0].month))}</small>` : ''}</div>
        <div class="stat-tools">${yearSel}<a class="btn" href="${href('', { index: ix.id, year })}">See on the map</a></div>
      </section>
      <div class="grid2">
        <section class="card" id="pillars" aria-labelledby="pillars-h"><h2 id="pillars-h">${esc(ix.name)}, ${year}</h2>
          <p class="note">Score and rank at each node of the index. The bar shows where the country stands among the ${nRanked || ''} ranked countries (longer = better placed).</p>
          <div class="structure">${structureBlock(ix, ci, year, nRanked, fmt)}</div></section>
        <section class="card" id="trends" aria-labelledby="trends-h"><h2 id="trends-h">Trends</h2>
          <p class="note">${esc(ix.top)} and its pillars over the years, on one scale.</p>${trendsBlock(ix, ci, fmt)}</section>
      </div>`;
      shownKey = key;
    }
    bodyEl.innerHTML = `${scoreHtml}
      <section class="card" id="forecast" aria-labelledby="forecast-h"><h2 id="forecast-h">Forecast: deaths from organised violence, next 36 months</h2>${forecastBlock(
        fc,
        fcErr,
        data.name || code
      )}</section>
      <section class="card" id="events" aria-labelledby="events-h"><h2 id="events-h">Deaths from organised violence, by month</h2>${eventsBlock(
        data.events,
        alerts
      )}</section>
      <section class="card" id="country-alerts" aria-labelledby="calerts-h"><div class="card-head"><h2 id="calerts-h">Alerts</h2>
        <a href="#/alerts">All alerts →</a></div>
        ${alerts.length ? `<ol class="alert-list">${alerts.map((a) => alertCard(a, { withCountry: false })).join('')}</ol>` : '<p class="empty-note">No alert for this country.</p>'}
      </section>`;
    const ys = bodyEl.querySelector('.c-year');
    if (ys) ys.addEventListener('change', () => ctx.go(href('country', { index: ix.id, year: ys.value }, code)));
    node.dataset.state = 'ready';
  }

  return {
    node,
    id: code,
    title: () => `${(data && data.name) || ctx.countries.get(code) || code} · humsec`,
    update(route) {
      render(route.params);
    },
  };
}

function extentOf(list) {
  const v = list.map((u) => u.score).filter(isNum);
  return v.length ? [Math.min(...v), Math.max(...v)] : [0, 1];
}
