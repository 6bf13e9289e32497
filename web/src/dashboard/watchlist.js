// watchlist.js - the forecasts' watchlist (#/watchlist?months=3): where organised violence
// is most likely to reach 25 or more deaths in a month within the next N months, as a map
// and a ranked table with the change since the previous forecast run and the model terms
// that push each country's probability most (GET /api/v1/watchlist); and the running record
// of how good the stored forecasts have been once their months were known
// (GET /api/v1/forecasts/scores).
import { gradientCss, makeColour } from '../colour.js';
import { el, esc, isNum } from '../util.js';
import { api } from './api.js';
import { createMap } from './map.js';
import { errorBox, href, loading, monthName } from './common.js';

export const WATCH_LIMIT = 50; // rows of the table; the map colours every country forecast
const MONTHS = [1, 3, 6, 12];

const pct = (p) => (isNum(p) ? `${(p * 100).toFixed(p >= 0.995 || p < 0.005 ? 0 : 1).replace(/\.0$/, '')} %` : '–');
const pts = (d) => (isNum(d) ? `${d > 0 ? '+' : d < 0 ? '−' : '±'}${Math.abs(d * 100).toFixed(1)}` : 'new');
const num = (v, k = 1) => (isNum(v) ? v.toFixed(k) : '–');

function scoresBlock(sc) {
  if (!sc || !sc.scored)
    return '<p class="empty-note">No stored forecast has been scored yet: a forecast is scored when the data for its month arrive (a run with newer data).</p>';
  const row = (r, key) => `<tr><th scope="row">${esc(key)}</th><td>${r.n.toLocaleString('en-GB')}</td>
      <td>${num(r.humsec.crps, 2)}</td><td>${num(r.conflictology.crps, 2)}</td><td>${num(r.no_change.crps, 2)}</td>
      <td>${num(r.humsec.brier_25, 4)}</td><td>${num(r.conflictology.brier_25, 4)}</td><td>${num(r.no_change.brier_25, 4)}</td></tr>`;
  const head = (k) => `<thead><tr><th scope="col">${k}</th><th scope="col">country-months</th><th scope="col">CRPS humsec</th>
      <th scope="col">conflictology</th><th scope="col">no change</th><th scope="col">Brier(25) humsec</th><th scope="col">conflictology</th><th scope="col">no change</th></tr></thead>`;
  return `<p class="note">${sc.scored.toLocaleString('en-GB')} country-months scored. Lower is better for both: CRPS in deaths, Brier on 25 deaths or more.</p>
    <div class="table-wrap"><table class="scores-by-lead">${head('lead (months)')}<tbody>${sc.by_lead.map((r) => row(r, String(r.lead))).join('')}</tbody></table></div>
    <details><summary>By month forecast</summary><div class="table-wrap"><table class="scores-by-month">${head('month')}<tbody>${sc.by_month
      .map((r) => row(r, monthName(r.month)))
      .join('')}</tbody></table></div></details>`;
}

export function createWatchlist(ctx) {
  const node = el(`<div class="view watchlist-view">
    <div class="page-head"><div><div class="eyebrow">Early warning</div><h1>Watchlist</h1>
      <p class="lede">Where organised violence is most likely to reach 25 or more deaths in a month soon: the forecast of
      every country from the latest stored month, with the change since the previous forecast and what pushes each
      probability most, in the model's own terms.</p></div></div>
    <section class="card map-card" id="wl-map" aria-labelledby="wl-map-h">
      <div class="card-head"><h2 id="wl-map-h">P(25+ deaths in a month)</h2>
        <form class="controls" onsubmit="return false" aria-label="Horizon">
          <label>Within <select class="wl-months">${MONTHS.map((m) => `<option value="${m}">${m} month${m > 1 ? 's' : ''}</option>`).join('')}</select></label>
        </form></div>
      <div id="wl-map-host"></div>
      <div class="legend" id="wl-legend"></div>
    </section>
    <div id="wl-status"></div>
    <section class="card" id="watchlist" aria-labelledby="wl-h"><h2 id="wl-h">Ranked</h2><div class="wl-body"></div></section>
    <section class="card" id="fc-record" aria-labelledby="rec-h"><h2 id="rec-h">How good have these forecasts been?</h2><div class="rec-body"></div></section>
  </div>`);
  const $ = (s) => node.querySelector(s);
  let map = null;
  let token = 0;
  let months = 3;
  $('.wl-months').addEventListener('change', (ev) => ctx.go(href('watchlist', { months: ev.target.value })));

  async function ensureMap() {
    if (map) return map;
    const [topo, codes, names] = await Promise.all([api.topo(), api.isoCodes(), api.isoNames()]);
    map = createMap($('#wl-map-host'), { topo, codes, names, onOpen: (code) => ctx.go(href('country', {}, code)) });
    return map;
  }

  function draw(m, all, top) {
    const units = new Map(
      all.countries.map((c) => [c.code, { code: c.code, name: c.name || ctx.countries.get(c.code) || c.code, score: c.p_ge25, rank: c.rank }])
    );
    const colour = makeColour(0, 1, true);
    m.update(units, colour, pct, `World map: probability of 25 or more deaths in a month within ${months} months`);
    $('#wl-legend').innerHTML = `<span class="legend-end">0 %</span><span class="legend-bar" style="background:${gradientCss(
      true
    )}" role="img" aria-label="colour scale from 0 to 100 percent"></span><span class="legend-end">100 %</span>
      <span class="legend-note">forecast from ${esc(monthName(all.run.origin))}${all.previous ? `, compared with the forecast from ${esc(monthName(all.previous.origin))}` : ''}</span>`;
    const rows = top.countries
      .map(
        (c) => `<tr data-code="${esc(c.code)}"><td class="num">${c.rank}</td>
        <td class="country"><a href="${href('country', {}, c.code)}">${esc(c.name || c.code)}</a> <span class="code">${esc(c.code)}</span></td>
        <td class="num p"><span class="pbar"><i style="width:${(c.p_ge25 * 100).toFixed(1)}%;background:${colour(c.p_ge25)}"></i></span> ${pct(c.p_ge25)}</td>
        <td class="num chg ${isNum(c.change) ? (c.change > 0.005 ? 'down' : c.change < -0.005 ? 'up' : 'same') : ''}">${pts(c.change)}</td>
        <td class="reasons">${(c.reasons || []).length ? `<ul>${c.reasons.map((x) => `<li data-term="${esc(x.term)}">${esc(x.text)}</li>`).join('')}</ul>` : '<span class="muted">–</span>'}</td></tr>`
      )
      .join('');
    $('.wl-body').innerHTML = `<p class="note">The ${top.countries.length} most likely of ${top.total} countries forecast from ${esc(
      monthName(top.run.origin)
    )} (run ${top.run.id}). Change: percentage points since the previous forecast${
      top.previous ? ` (from ${esc(monthName(top.previous.origin))})` : ' (none stored yet)'
    }. Reasons: what taking each term out of the model's forecast takes off the probability.</p>
      <div class="table-wrap"><table class="watchlist"><thead><tr><th scope="col">#</th><th scope="col">Country</th>
      <th scope="col">P(25+ within ${months} month${months > 1 ? 's' : ''})</th><th scope="col">Change (points)</th><th scope="col">Why</th></tr></thead>
      <tbody>${rows}</tbody></table></div>`;
  }

  async function load() {
    const my = ++token;
    node.dataset.state = 'loading';
    $('#wl-status').replaceChildren();
    $('.wl-body').replaceChildren(loading('the watchlist'));
    try {
      const [m, top, all, sc] = await Promise.all([
        ensureMap(),
        api.watchlist(months, WATCH_LIMIT),
        api.watchlist(months, 300),
        api.forecastScores().catch(() => null),
      ]);
      if (my !== token) return;
      draw(m, all, top);
      $('.rec-body').innerHTML = scoresBlock(sc);
      node.dataset.months = String(months);
      node.dataset.state = 'ready';
    } catch (e) {
      if (my !== token) return;
      $('#wl-status').replaceChildren(errorBox(e, 'the watchlist', load));
      $('.wl-body').replaceChildren();
      node.dataset.state = 'error';
    }
  }

  return {
    node,
    title: () => 'Watchlist · humsec',
    update(route) {
      const want = Number(route.params.get('months'));
      months = MONTHS.includes(want) ? want : 3;
      $('.wl-months').value = String(months);
      load();
    },
  };
}
