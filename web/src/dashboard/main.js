// main.js - entry point of the dashboard that `humsec serve` sends at /. It loads the list of
// indices and countries from the JSON API, draws the frame (navigation, footer) and routes
// on the URL hash: #/ map and ranking, #/country/AFG a country, #/watchlist the forecasts'
// watchlist, #/alerts the alerts feed, #/method how an index is built. Every request goes to the same server (/api/v1, /assets).
import './dashboard.css';
import { el, esc } from '../util.js';
import { api } from './api.js';
import { errorBox, loading } from './common.js';
import { createOverview } from './overview.js';
import { createCountry } from './country.js';
import { createAlerts } from './alerts.js';
import { createMethod } from './method.js';
import { createWatchlist } from './watchlist.js';
import { normaliseIndex, parseHash } from './route.js';

const VIEWS = {
  overview: createOverview,
  country: createCountry,
  alerts: createAlerts,
  watchlist: createWatchlist,
  method: createMethod,
};

function frame() {
  const app = document.getElementById('app');
  app.innerHTML = '';
  app.appendChild(
    el(`<div class="frame">
      <a class="skip" href="#main" data-skip>Skip to the content</a>
      <header class="topbar">
        <a class="brand" href="#/"><span class="logo" aria-hidden="true"></span>humsec <span class="brand-sub">human security</span></a>
        <nav aria-label="Views"><ul>
          <li><a href="#/" data-view="overview">Map &amp; ranking</a></li>
          <li><a href="#/watchlist" data-view="watchlist">Watchlist</a></li>
          <li><a href="#/alerts" data-view="alerts">Alerts</a></li>
          <li><a href="#/method" data-view="method">Method</a></li>
        </ul></nav>
      </header>
      <main id="main" tabindex="-1"></main>
      <footer class="site-foot"><span id="health"></span>
        <span>Map: world-atlas (ISC), from Natural Earth (public domain); country codes and names: i18n-iso-countries (MIT). Borders imply no position on the status of any territory.</span></footer>
    </div>`)
  );
  app.querySelector('[data-skip]').addEventListener('click', (ev) => {
    ev.preventDefault();
    document.getElementById('main').focus();
  });
  return app.querySelector('main');
}

async function start() {
  const main = frame();
  main.replaceChildren(loading('the indices'));
  let ctx;
  try {
    const [ix, cs] = await Promise.all([api.indices(), api.countries()]);
    ctx = {
      indices: (ix.indices || []).map(normaliseIndex),
      countries: new Map((cs.countries || []).map((c) => [c.code, c.name])),
      go: (hash) => {
        if (location.hash === hash) route();
        else location.hash = hash;
      },
    };
  } catch (e) {
    main.replaceChildren(errorBox(e, 'the list of indices', () => start()));
    document.body.dataset.ready = 'error';
    return;
  }
  api
    .health()
    .then((h) => {
      document.getElementById('health').textContent = `humsec ${h.version}${h.latest_run != null ? ` · run ${h.latest_run}` : ''}`;
    })
    .catch(() => {
      document.getElementById('health').textContent = 'server health unknown';
    });

  let current = null;
  let currentName = null;
  function route() {
    const r = parseHash(location.hash);
    for (const a of document.querySelectorAll('.topbar nav a')) {
      const on = a.dataset.view === r.name || (r.name === 'country' && a.dataset.view === 'overview');
      if (on) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (r.name === 'missing') {
      if (current && current.destroy) current.destroy();
      current = null;
      currentName = null;
      main.replaceChildren(
        el(`<div class="view"><div class="card"><h1>Nothing here</h1><p>There is no page <code>#/${esc(r.id)}</code>.
          Try the <a href="#/">map and ranking</a>, the <a href="#/watchlist">watchlist</a>, the <a href="#/alerts">alerts</a> or the <a href="#/method">method</a>.</p></div></div>`)
      );
      document.title = 'Not found · humsec';
      return;
    }
    const same = current && currentName === r.name && (r.name !== 'country' || current.id === r.id);
    if (!same) {
      if (current && current.destroy) current.destroy();
      current = VIEWS[r.name](ctx, r);
      currentName = r.name;
      main.replaceChildren(current.node);
      window.scrollTo(0, 0);
      if (document.body.dataset.ready) main.focus({ preventScroll: true });
    }
    current.update(r);
    document.title = current.title();
  }
  window.addEventListener('hashchange', route);
  route();
  document.body.dataset.ready = '1';
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
