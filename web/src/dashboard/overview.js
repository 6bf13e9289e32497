// overview.js - the first view (#/): the world map coloured by the chosen index, measure
// (the top score or an aggregate under it) and year, its legend, headline figures and the
// ranking table with rank intervals. The choices live in the hash (#/?index=hsi&year=2020),
// so a view can be shared; the year slider recolours the map without rebuilding it.
import { makeColour, gradientCss } from '../colour.js';
import { el, esc, isNum, median } from '../util.js';
import { api } from './api.js';
import { createMap, OUTSIDE } from './map.js';
import { errorBox, formatFor, href, loading, lowerIsBetter, measures, monthName, nodeByCode, nodeLabel, pickIndex, pickYear } from './common.js';
import { newestFirst } from './alerts.js';
import { renderRanking } from './ranking.js';

/** "YYYY-MM" n months before `month`. */
export function monthsBefore(month, n) {
  const [y, m] = month.split('-').map(Number);
  const t = y * 12 + (m - 1) - n;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
}

export function createOverview(ctx) {
  const node = el(`<div class="view overview">
    <section class="hero" aria-labelledby="ov-title">
      <div class="hero-text"><div class="eyebrow" id="ov-eyebrow"></div><h1 id="ov-title"></h1><p class="lede" id="ov-lede"></p></div>
      <div class="kpis" id="ov-kpis"></div>
    </section>
    <section class="card map-card" id="map" aria-labelledby="map-h">
      <div class="card-head">
        <h2 id="map-h">Map</h2>
        <form class="controls" aria-label="What the map and table show" onsubmit="return false">
          <label>Index <select id="ctl-index"></select></label>
          <label>Measure <select id="ctl-node"></select></label>
          <label class="year">Year <input type="range" id="ctl-year" min="0" max="0" step="1">
            <output id="ctl-year-out" for="ctl-year"></output></label>
          <button type="button" class="btn play" id="ctl-play" aria-pressed="false" title="Play the years">▶<span class="sr-only"> Play the years</span></button>
          <label class="check" title="Ring the countries with an alert in the 12 months up to the newest one"><input type="checkbox" id="ctl-alerts"> Alerts</label>
        </form>
      </div>
      <div class="status" id="ov-status"></div>
      <div id="map-host" class="map-host"></div>
      <div class="legend" id="ov-legend"></div>
      <p class="note" id="ov-missing"></p>
    </section>
    <section class="card" id="ranking" aria-labelledby="rank-h"></section>
  </div>`);
  const $ = (s) => node.querySelector(s);
  const sel = { index: $('#ctl-index'), node: $('#ctl-node'), year: $('#ctl-year') };
  const yearOut = $('#ctl-year-out');
  const status = $('#ov-status');
  sel.index.innerHTML = ctx.indices.map((i) => `<option value="${esc(i.id)}">${esc(i.name)}</option>`).join('');

  let map = null;
  let state = { ix: null, node: null, year: null };
  let token = 0;
  let timer = null;
  let playing = null;
  const ranking = renderRanking($('#ranking'), ctx);
  $('#map-host').replaceChildren(loading('the map'));

  function writeHash() {
    const h = href('', { index: state.ix.id, node: state.node === state.ix.top ? null : state.node, year: state.year });
    if (location.hash !== h) history.replaceState(null, '', h);
  }

  function fillControls() {
    const ix = state.ix;
    sel.index.value = ix.id;
    sel.node.innerHTML = measures(ix)
      .map(({ node: n, depth }) => `<option value="${esc(n.code)}">${'\u2003'.repeat(depth)}${esc(nodeLabel(n))}</option>`)
      .join('');
    sel.node.value = state.node;
    sel.node.disabled = sel.node.options.length < 2;
    sel.year.min = '0';
    sel.year.max = String(ix.years.length - 1);
    sel.year.value = String(ix.years.indexOf(state.year));
    sel.year.disabled = ix.years.length < 2;
    $('#ctl-play').disabled = ix.years.length < 2;
    sel.year.setAttribute('aria-valuetext', String(state.year));
    yearOut.textContent = String(state.year);
  }

  async function ensureMap() {
    if (map) return map;
    const [topo, codes, names] = await Promise.all([api.topo(), api.isoCodes(), api.isoNames()]);
    map = createMap($('#map-host'), { topo, codes, names, onOpen: (code) => ctx.go(href('country', { index: state.ix.id, year: state.year }, code)) });
    return map;
  }

  async function load() {
    const my = ++token;
    const { ix, node: nodeCode, year } = state;
    node.classList.add('busy');
    status.replaceChildren();
    if (!$('#ov-title').textContent) $('#ov-title').textContent = ix.name;
    try {
      const prevYear = ix.years[ix.years.indexOf(year) - 1];
      const pillar = nodeCode === ix.top ? null : nodeCode;
      const [m, scores, prev] = await Promise.all([
        ensureMap(),
        api.scores(ix.id, year, pillar),
        prevYear != null ? api.scores(ix.id, prevYear, pillar).catch(() => null) : null,
      ]);
      // Median ranks only where there are rank intervals (an uncertainty analysis was stored).
      const hasIv = (scores.scores || []).some((u) => u.rank_lo != null);
      const ranks = hasIv && !pillar ? await api.ranks(ix.id, year).catch(() => null) : null;
      if (my !== token) return;
      node.classList.remove('stale');
      draw(m, scores, prev, ranks);
    } catch (e) {
      if (my !== token) return;
      status.replaceChildren(errorBox(e, `the ${ix.name} scores for ${year}`, load));
      node.classList.add('stale');
      if (!map) $('#map-host').replaceChildren();
      ranking.fail(`No ranking: the scores for ${year} could not be loaded.`);
    } finally {
      if (my === token) node.classList.remove('busy');
    }
  }

  function draw(m, scores, prev, ranks) {
    const { ix, year } = state;
    const n = nodeByCode(ix, scores.node || state.node) || nodeByCode(ix, ix.top);
    // Names from the country list when a row lacks one, so filtering and sorting never meet null.
    const list = (scores.scores || []).map((u) => (u.name ? u : { ...u, name: ctx.countries.get(u.code) || u.code }));
    const units = new Map(list.map((u) => [u.code, u]));
    const scored = list.filter((u) => isNum(u.score));
    const values = scored.map((u) => u.score);
    const fmt = formatFor(values);
    const reverse = lowerIsBetter(ix);
    const lo = values.length ? Math.min(...values) : 0;
    const hi = values.length ? Math.max(...values) : 1;
    const colour = makeColour(lo, hi, reverse);
    const label = `${nodeLabel(n)}, ${year}`;
    const { mapped } = m.update(units, colour, fmt, `World map: ${label}`);
    node.dataset.year = String(year);
    node.dataset.index = ix.id;

    $('#map-h').textContent = `${n.code} ${year}`;
    // The gradient runs from the lowest score (left) to the highest; gradientCss turns the
    // colours round for an index that is bad when high.
    $('#ov-legend').innerHTML = `<span class="legend-end">${esc(fmt(lo))}</span>
      <span class="legend-bar" style="background:${gradientCss(reverse)}" role="img" aria-label="colour scale from ${esc(
      fmt(lo)
    )} to ${esc(fmt(hi))}"></span><span class="legend-end">${esc(fmt(hi))}</span>
      <span class="legend-note">${reverse ? 'high = more risk' : 'high = more secure'}</span>
      <span class="legend-key"><i class="sw hatch"></i>no score</span>
      <span class="legend-key"><i class="sw" style="background:${OUTSIDE}"></i>not in the index</span>
      <span class="legend-key legend-alerts" hidden><i class="ring" aria-hidden="true"></i><span></span></span>`;
    showAlertMarks();
    const missing = scored.filter((u) => !mapped.has(u.code));
    $('#ov-missing').innerHTML = missing.length
      ? `<strong>Not on the map</strong> (too small or without a shape): ${missing
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((u) => `<a href="${href('country', { index: ix.id, year }, u.code)}">${esc(u.name)}</a> ${esc(fmt(u.score))}`)
          .join(', ')}.`
      : '';

    // Headline figures.
    $('#ov-eyebrow').textContent = `${ix.id.toUpperCase()} · ${year}${ix.run != null ? ` · run ${ix.run}` : ''}`;
    $('#ov-title').textContent = n.code === ix.top ? ix.name : `${nodeLabel(n)}`;
    $('#ov-lede').textContent =
      `${scored.length} countries scored in ${year}` +
      (list.length > scored.length ? `, ${list.length - scored.length} without a score` : '') +
      (ix.years.length > 1 ? `; years ${ix.years[0]}–${ix.years[ix.years.length - 1]}` : '') +
      '. Click a country for its page.';
    const first = scored[0];
    const last = scored[scored.length - 1];
    const med = median(values);
    const kpi = (lab, val, sub, code) =>
      `<${code ? `a href="${href('country', { index: ix.id, year }, code)}"` : 'div'} class="kpi"><div class="kpi-label">${esc(lab)}</div>
       <div class="kpi-value">${esc(val)}</div><div class="kpi-sub">${esc(sub)}</div></${code ? 'a' : 'div'}>`;
    $('#ov-kpis').innerHTML =
      (first ? kpi('Ranked first', first.name, fmt(first.score), first.code) : '') +
      (med != null ? kpi('Median', fmt(med), `${scored.length} countries`) : '') +
      (last ? kpi('Ranked last', last.name, fmt(last.score), last.code) : '') +
      '<a class="kpi kpi-alert" href="#/alerts" hidden></a>';
    showLatestAlert();

    ranking.update({ ix, node: n, year, list, prev, ranks, fmt, colour, lo, hi });
  }

  /** Rings on the map for the countries with an alert in the 12 months up to the newest. */
  async function showAlertMarks() {
    const on = $('#ctl-alerts').checked;
    const key = $('#ov-legend .legend-alerts');
    if (!map) return;
    if (!on) {
      map.markAlerts(new Set());
      if (key) key.hidden = true;
      return;
    }
    let list = [];
    try {
      list = newestFirst((await api.alerts()).alerts || []);
    } catch (e) {
      status.replaceChildren(errorBox(e, 'the alerts', showAlertMarks));
      return;
    }
    const since = list.length ? monthsBefore(list[0].month, 11) : '';
    const latest = new Map();
    for (const a of list) if (a.month >= since && !latest.has(a.country)) latest.set(a.country, monthName(a.month));
    map.markAlerts(new Set(latest.keys()), latest);
    if (key) {
      key.hidden = false;
      key.lastChild.textContent = list.length ? `alert since ${monthName(since)} (${latest.size})` : 'no alerts stored';
    }
  }

  /** The newest stored alert as a fourth headline figure (left out if the feed fails). */
  function showLatestAlert() {
    api
      .alerts()
      .then((res) => {
        const box = $('#ov-kpis .kpi-alert');
        const list = newestFirst(res.alerts || []);
        if (!box || !list.length) return;
        const a = list[0];
        box.innerHTML = `<div class="kpi-label">Latest alert</div><div class="kpi-value">${esc(a.name || a.country)}</div>
          <div class="kpi-sub">${esc(monthName(a.month))} · ${Number.isFinite(res.total) ? res.total : list.length} stored</div>`;
        box.hidden = false;
      })
      .catch(() => {});
  }

  function setState(ix, nodeCode, year, push) {
    state = { ix, node: nodeByCode(ix, nodeCode) ? nodeCode : ix.top, year: pickYear(ix, year) };
    fillControls();
    if (push) writeHash();
    document.title = `${ix.name} ${state.year} · humsec`;
    load();
  }

  sel.index.addEventListener('change', () => {
    stop();
    const ix = pickIndex(ctx, sel.index.value);
    setState(ix, ix.top, state.year, true);
  });
  $('#ctl-alerts').addEventListener('change', showAlertMarks);
  sel.node.addEventListener('change', () => setState(state.ix, sel.node.value, state.year, true));
  sel.year.addEventListener('input', () => {
    const y = state.ix.years[Number(sel.year.value)];
    yearOut.textContent = String(y);
    clearTimeout(timer);
    timer = setTimeout(() => setState(state.ix, state.node, y, true), 90);
  });
  function stop() {
    if (!playing) return;
    clearInterval(playing);
    playing = null;
    $('#ctl-play').setAttribute('aria-pressed', 'false');
    $('#ctl-play').firstChild.textContent = '▶';
  }
  $('#ctl-play').addEventListener('click', () => {
    if (playing) return stop();
    const ys = state.ix.years;
    if (state.year === ys[ys.length - 1]) setState(state.ix, state.node, ys[0], true);
    $('#ctl-play').setAttribute('aria-pressed', 'true');
    $('#ctl-play').firstChild.textContent = '❚❚';
    playing = setInterval(() => {
      const i = ys.indexOf(state.year);
      if (i >= ys.length - 1) return stop();
      setState(state.ix, state.node, ys[i + 1], true);
    }, 900);
  });

  return {
    node,
    title: () => (state.ix ? `${state.ix.name} ${state.year} · humsec` : 'Map · humsec'),
    update(route) {
      const ix = pickIndex(ctx, route.params.get('index'));
      if (!ix) {
        status.replaceChildren(errorBox(new Error('The server has no index yet (run humsec run).'), 'the indices'));
        return;
      }
      const y = pickYear(ix, route.params.get('year'));
      const nd = route.params.get('node') || ix.top;
      if (state.ix === ix && state.year === y && state.node === nd) return;
      setState(ix, nd, y, false);
    },
    destroy() {
      stop();
      clearTimeout(timer);
      token++;
    },
  };
}
