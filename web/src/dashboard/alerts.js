// alerts.js - the alerts feed (#/alerts): first the warnings of the latest forecast, onsets
// (a country quiet for 6 months) apart from continuations (quiet for 3, active before);
// then the escalation alerts stored by `humsec warn`, newest first, each with a sparkline
// of deaths in the 12 months up to the alert month, what was observed against what was
// expected, and a link to the country's page. Filters by country and method. alertCard()
// is shared with the country page.
import { el, esc, isNum } from '../util.js';
import { api } from './api.js';
import { errorBox, href, loading, monthName } from './common.js';
import { sparkline } from './charts.js';

const METHOD = {
  surprise: 'Gamma-Poisson surprise',
  cusum: 'Poisson CUSUM',
};
const SHORT = { surprise: 'surprise', cusum: 'CUSUM' };

/** Newest first: by month, then by id (the later stored first). */
export function newestFirst(list) {
  return [...list].sort((a, b) => (a.month < b.month ? 1 : a.month > b.month ? -1 : (b.id || 0) - (a.id || 0)));
}

function pFormat(p) {
  if (!isNum(p)) return null;
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p.toFixed(3)}`;
}

/** One alert as a list item; `withCountry` false on the country's own page. */
export function alertCard(a, { withCountry = true } = {}) {
  const series = (a.series || []).map((s) => s.deaths);
  const ratio = isNum(a.observed) && isNum(a.expected) && a.expected > 0 ? a.observed / a.expected : null;
  const name = a.name || a.country;
  const label = `Deaths per month, ${a.series && a.series.length ? `${monthName(a.series[0].month)} to ${monthName(a.series[a.series.length - 1].month)}` : ''}: ${series.join(', ')}`;
  const p = pFormat(a.p_value);
  const title = withCountry
    ? `<a class="alert-country" href="${href('country', {}, a.country)}">${esc(name)}</a> <span class="code">${esc(a.country)}</span>`
    : `<span class="alert-country">${esc(monthName(a.month))}</span>`;
  return `<li class="alert-item" data-id="${esc(a.id)}" data-country="${esc(a.country)}">
    <div class="alert-main">
      <div class="alert-title">${title}</div>
      <div class="alert-meta">${withCountry ? `<time datetime="${esc(a.month)}">${esc(monthName(a.month))}</time> · ` : ''}<span class="badge ${esc(a.method)}" title="${esc(METHOD[a.method] || a.method)}">${esc(
    SHORT[a.method] || a.method
  )}</span>${p ? ` · ${esc(p)}` : ''}</div>
      <div class="alert-nums"><b>${isNum(a.observed) ? a.observed : '–'}</b> deaths observed, <b>${
    isNum(a.expected) ? a.expected.toFixed(1) : '–'
  }</b> expected${ratio ? ` <span class="ratio">×${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}</span>` : ''}</div>
    </div>
    <div class="alert-spark">${sparkline(series, { w: 168, h: 44, label })}</div>
  </li>`;
}

export function createAlerts(ctx) {
  const node = el(`<div class="view alerts-view">
    <div class="page-head"><div><div class="eyebrow">Early warning</div><h1>Alerts</h1>
      <p class="lede">Where the forecast warns of violence about to start or resume, then the months in which a
      country's deaths from organised violence rose well above what its own recent history let one expect, newest
      first. The line is the 12 months up to the alert month (the dot).</p></div></div>
    <section class="card" aria-labelledby="alerts-h">
      <div class="card-head"><h2 id="alerts-h">Stored alerts</h2>
        <form class="filters controls" onsubmit="return false" aria-label="Filter the alerts">
          <label>Country <input type="search" class="f-country" placeholder="Name or code…" autocomplete="off"></label>
          <label>Method <select class="f-method"><option value="">all</option></select></label>
          <span class="count" aria-live="polite"></span>
        </form></div>
      <div class="alerts-body"></div>
    </section></div>`);
  const warnEl = el(`<section class="card" id="warnings" aria-labelledby="warn-h"><h2 id="warn-h">Warnings from the forecast</h2>
      <div class="warn-body"></div></section>`);
  node.insertBefore(warnEl, node.querySelector('section.card'));
  const bodyEl = node.querySelector('.alerts-body');
  const fCountry = node.querySelector('.f-country');
  const fMethod = node.querySelector('.f-method');
  const count = node.querySelector('.count');
  let all = [];
  let total = 0; // alerts stored; the feed holds the newest page of them

  function draw() {
    const q = fCountry.value.trim().toLowerCase();
    const m = fMethod.value;
    const list = all.filter(
      (a) => (!q || String(a.name || '').toLowerCase().includes(q) || String(a.country).toLowerCase().includes(q)) && (!m || a.method === m)
    );
    const shown = total > all.length ? `the newest ${all.length} of ${total} alerts` : `${all.length} alerts`;
    count.textContent = list.length === all.length ? shown : `${list.length} of ${shown}`;
    if (!all.length) {
      bodyEl.innerHTML = '<p class="empty-note">No alerts are stored. <code>humsec warn --db</code> stores them.</p>';
      return;
    }
    bodyEl.innerHTML = list.length
      ? `<ol class="alert-list">${list.map((a) => alertCard(a)).join('')}</ol>`
      : '<p class="empty-note">No alert matches the filter.</p>';
  }

  function drawWarnings(w) {
    const body = warnEl.querySelector('.warn-body');
    if (!w) {
      body.innerHTML = '<p class="empty-note">No forecast is stored: <code>humsec run</code> makes one.</p>';
      return;
    }
    const item = (x) => `<li class="warn-item" data-country="${esc(x.country)}" data-kind="${esc(x.kind)}">
        <a href="${href('country', {}, x.country)}">${esc(x.name || x.country)}</a> <span class="code">${esc(x.country)}</span>
        <span class="badge ${esc(x.kind)}">${x.kind === 'onset' ? 'onset' : 'continuation'}</span>
        <b>${(x.p_ge25_3m * 100).toFixed(1)} %</b> <span class="muted">chance of 25+ deaths in a month within 3 months; ${esc(
          x.last_deaths
        )} death${x.last_deaths === 1 ? '' : 's'} in ${esc(monthName(w.origin))}</span></li>`;
    const list = (xs, what) =>
      xs.length ? `<ol class="warn-list">${xs.map(item).join('')}</ol>` : `<p class="empty-note">No ${what} warning from ${esc(monthName(w.origin))}.</p>`;
    body.innerHTML = `<p class="note">Countries below 25 deaths in each of their last 3 months whose forecast from ${esc(
      monthName(w.origin)
    )} gives at least ${(w.threshold * 100).toFixed(0)} % for 25 or more in a month within 3 months (the threshold with the best F1 on
      2010-2014; docs/warning.md). An <b>onset</b> follows 6 quiet months; a <b>continuation</b> follows violence that paused.</p>
      <h3>Onsets</h3>${list(w.onsets || [], 'onset')}<h3>Continuations</h3>${list(w.continuations || [], 'continuation')}`;
  }

  async function load() {
    bodyEl.replaceChildren(loading('the alerts'));
    node.dataset.state = 'loading';
    try {
      const res = await api.alerts();
      all = newestFirst(res.alerts || []);
      total = Number.isFinite(res.total) ? res.total : all.length;
      drawWarnings(res.warnings || null);
      const methods = [...new Set(all.map((a) => a.method))].sort();
      fMethod.innerHTML = '<option value="">all</option>' + methods.map((x) => `<option value="${esc(x)}">${esc(METHOD[x] || x)}</option>`).join('');
      draw();
      node.dataset.state = 'ready';
    } catch (e) {
      bodyEl.replaceChildren(errorBox(e, 'the alerts', load));
      node.dataset.state = 'error';
    }
  }
  fCountry.addEventListener('input', draw);
  fMethod.addEventListener('change', draw);
  load();
  return {
    node,
    title: () => 'Alerts · humsec',
    update(r) {
      const c = r.params.get('country');
      if (c != null && c !== fCountry.value) {
        fCountry.value = c;
        draw();
      }
    },
  };
}
