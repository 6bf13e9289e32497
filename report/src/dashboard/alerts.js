// alerts.js - the alerts feed (#/alerts): the escalation alerts stored by `humsec warn`,
// newest first, each with a sparkline of deaths in the 12 months up to the alert month,
// what was observed against what was expected, and a link to the country's page. Filters
// by country and method. alertCard() is shared with the country page.
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
      <p class="lede">Months in which a country's deaths from organised violence rose well above what its own
      recent history let one expect, newest first. The line is the 12 months up to the alert month (the dot).</p></div></div>
    <section class="card" aria-labelledby="alerts-h">
      <div class="card-head"><h2 id="alerts-h">Stored alerts</h2>
        <form class="filters controls" onsubmit="return false" aria-label="Filter the alerts">
          <label>Country <input type="search" class="f-country" placeholder="Name or code…" autocomplete="off"></label>
          <label>Method <select class="f-method"><option value="">all</option></select></label>
          <span class="count" aria-live="polite"></span>
        </form></div>
      <div class="alerts-body"></div>
    </section></div>`);
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

  async function load() {
    bodyEl.replaceChildren(loading('the alerts'));
    node.dataset.state = 'loading';
    try {
      const res = await api.alerts();
      all = newestFirst(res.alerts || []);
      total = Number.isFinite(res.total) ? res.total : all.length;
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
