// main.js - entry point of the report page. The C side (src/report/html.c) inlines this
// bundle, the report data and the map into one HTML file; this script reads them from
// <script type="application/json"> blocks, builds the page and wires the views together.
import './style.css';
import { prepare } from './model.js';
import { renderHeader } from './header.js';
import { renderMap } from './map.js';
import { renderTable } from './table.js';
import { createProfile } from './profile.js';
import { renderMethod } from './method.js';
import { renderWatchlist } from './watchlist.js';
import { renderCharts } from './charts.js';

function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

function start() {
  const model = prepare(readJson('hs-data'), readJson('hs-codes'), readJson('hs-names'));
  const app = document.getElementById('app');
  const profile = createProfile(model);
  const open = (code) => profile.open(code);
  renderHeader(app, model);
  renderMap(app, model, readJson('hs-topo'), open);
  renderTable(app, model, open);
  renderWatchlist(app, model, readJson('hs-topo'), open);
  renderCharts(app, model);
  renderMethod(app, model);
  app.appendChild(profile.node);
  document.body.dataset.ready = '1';
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
