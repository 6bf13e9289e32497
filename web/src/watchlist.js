// watchlist.js - the report's watchlist, when the page was made with a forecast summary
// (humsec report --forecasts, and the main job): a world map of P(>= 25 deaths in a month
// within 3 months) for every country forecast, and the 30 most likely in a table with the
// 6- and 12-month probabilities and next month's median and 90 % interval. The numbers are
// computed on the C side from the summary (src/report/html_data.c); this only draws them.
import { el, esc, isNum } from './util.js';
import { gradientCss, makeColour } from './colour.js';
import { worldSvg } from './map.js';

const SHOWN = 30;
const pct = (p) => (isNum(p) ? `${(p * 100).toFixed(p >= 0.995 || p < 0.005 ? 0 : 1).replace(/\.0$/, '')} %` : '–');
const deaths = (v) => (isNum(v) ? Math.round(v).toLocaleString('en-GB') : '–');

export function renderWatchlist(app, model, topo, open) {
  const wl = model.data.watchlist;
  if (!wl || !Array.isArray(wl.countries) || !wl.countries.length) return;
  const colour = makeColour(0, 1, true);
  const names = model.isoNames || new Map();
  const nameOf = (code) => (model.byCode.get(code) && model.byCode.get(code).name) || names.get(code) || code;
  const rows = wl.countries
    .slice(0, SHOWN)
    .map(
      (c, i) => `<tr data-code="${esc(c.code)}"><td class="num">${i + 1}</td><td>${esc(nameOf(c.code))} <span class="code">${esc(c.code)}</span></td>
      <td class="num"><span class="bar"><i style="width:${(c.p3 * 100).toFixed(1)}%;background:${colour(c.p3)}"></i></span>${pct(c.p3)}</td>
      <td class="num">${pct(c.p6)}</td><td class="num">${pct(c.p12)}</td>
      <td class="num">${deaths(c.q50)} <span class="muted">(${deaths(c.q05)}–${deaths(c.q95)})</span></td><td class="num">${pct(c.p1000)}</td></tr>`
    )
    .join('');
  const section = el(`<section class="card map-card" id="watchlist">
      <div class="card-head"><h2>Watchlist: organised violence in the next months</h2>
        <div class="legend"><span>0 %</span><span class="legend-bar" style="background:${gradientCss(true)}"></span><span>100 %</span></div></div>
      <p class="note">P(25 or more deaths in at least one month within 3 months) for every country, forecast from ${esc(wl.origin)} by
      humsec's analogue model (${esc(wl.file)}; docs/warning.md). Months are taken as independent.</p>
      <div class="map-wrap"></div>
      <div class="tooltip" hidden></div>
      <div class="table-wrap"><table class="watchlist"><thead><tr><th class="num">#</th><th>Country</th><th class="num">within 3 months</th>
        <th class="num">6 months</th><th class="num">12 months</th><th class="num">deaths next month, median (90 %)</th><th class="num">P(1,000+) next month</th></tr></thead>
        <tbody>${rows}</tbody></table></div>
      <p class="note">The ${Math.min(SHOWN, wl.countries.length)} most likely of ${wl.countries.length} countries.</p>
    </section>`);
  app.appendChild(section);
  if (!topo || !topo.objects || !topo.objects.countries) return;
  const byNum = new Map();
  const byCode = new Map();
  for (const c of wl.countries) {
    byCode.set(c.code, c);
    const num = model.isoNum ? model.isoNum.get(c.code) : null;
    if (num) byNum.set(num, c);
  }
  const { svg, mapped } = worldSvg(topo, byNum, {
    fill: (c) => colour(c.p3),
    cls: () => 'country scored',
    label: `World map of the probability of 25 or more deaths in a month within 3 months, from ${wl.origin}`,
  });
  const wrap = section.querySelector('.map-wrap');
  wrap.innerHTML = svg;
  section.dataset.mapped = String(mapped.size);
  const tip = section.querySelector('.tooltip');
  wrap.addEventListener('mousemove', (ev) => {
    const code = ev.target.dataset && ev.target.dataset.code;
    const c = code && byCode.get(code);
    if (!c) {
      tip.hidden = true;
      return;
    }
    const box = section.getBoundingClientRect();
    tip.hidden = false;
    tip.innerHTML = `<b>${esc(nameOf(code))}</b><br>${pct(c.p3)} within 3 months`;
    tip.style.left = `${ev.clientX - box.left + 14}px`;
    tip.style.top = `${ev.clientY - box.top + 10}px`;
  });
  wrap.addEventListener('mouseleave', () => (tip.hidden = true));
  section.addEventListener('click', (ev) => {
    const code = ev.target.closest && ev.target.closest('[data-code]') ? ev.target.closest('[data-code]').dataset.code : null;
    if (code && model.byCode.get(code)) open(code);
  });
}
