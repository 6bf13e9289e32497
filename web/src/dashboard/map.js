// map.js - the dashboard's world choropleth. The shapes (TopoJSON, ids are ISO 3166-1
// numeric codes) are projected once per session; changing the index, measure or year only
// recolours them. Countries of the index without a score are hatched, land outside the
// index is plain grey, countries too small to see get a dot. Hover shows a tooltip, a
// click opens the country page.
import { geoEqualEarth, geoPath, geoCentroid } from 'd3-geo';
import { feature } from 'topojson-client';
import { el, esc } from '../util.js';

const W = 960;
const H = 470;
const SMALL_AREA = 6; // px^2 at the default size: below this a scored country also gets a dot
export const OUTSIDE = '#e3e7ed';
export const HATCH = 'url(#na-hatch)';

let shapes = null; // [{code, num, name, d, small: [x, y] | null}], built once

function project(topo, codes, names) {
  const alpha3 = new Map();
  const nameOf = new Map();
  for (const [a2, a3, num] of codes || []) {
    alpha3.set(num, a3);
    let n = names && names.countries ? names.countries[a2] : null;
    if (Array.isArray(n)) n = n[0];
    if (n) nameOf.set(a3, n);
  }
  const world = feature(topo, topo.objects.countries);
  const fs = world.features.filter((f) => f.id !== '010'); // Antarctica: no scores, much space
  const projection = geoEqualEarth().fitExtent(
    [
      [4, 4],
      [W - 4, H - 4],
    ],
    { type: 'FeatureCollection', features: fs }
  );
  const path = geoPath(projection);
  const out = [];
  for (const f of fs) {
    const d = path(f);
    if (!d) continue;
    const code = f.id != null ? alpha3.get(f.id) || null : null;
    // The label point: the centroid of the largest polygon (so France's is in Europe, not
    // between Europe and French Guiana).
    let big = f.geometry;
    if (big && big.type === 'MultiPolygon') {
      let best = -1;
      for (const poly of big.coordinates) {
        const a = path.area({ type: 'Polygon', coordinates: poly });
        if (a > best) (best = a), (big = { type: 'Polygon', coordinates: poly });
      }
    }
    const centre = big ? projection(geoCentroid(big)) : null;
    const small = path.area(f) < SMALL_AREA ? centre : null;
    out.push({ code, num: f.id, name: (code && nameOf.get(code)) || (f.properties && f.properties.name) || '', d, small, centre });
  }
  return { list: out, sphere: path({ type: 'Sphere' }) };
}

/**
 * Draw the map into `host`. Returns {update(units, colour, fmt, label), mapped}; units is a
 * Map code -> {code, name, score, rank, rank_lo, rank_hi}; onOpen(code) is called on a click.
 */
export function createMap(host, { topo, codes, names, onOpen }) {
  if (!shapes) shapes = project(topo, codes, names);
  const paths = shapes.list
    .map(
      (s, i) =>
        `<path d="${s.d}" data-i="${i}"${s.code ? ` data-code="${esc(s.code)}"` : ''} class="land" fill="${OUTSIDE}"></path>`
    )
    .join('');
  host.innerHTML = `<div class="map-wrap">
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="map-title map-desc">
      <title id="map-title">World map</title><desc id="map-desc"></desc>
      <defs><pattern id="na-hatch" patternUnits="userSpaceOnUse" width="5" height="5" patternTransform="rotate(45)">
        <rect width="5" height="5" fill="#eceff3"></rect><line x1="0" y1="0" x2="0" y2="5" stroke="#9aa4b2" stroke-width="1.6"></line></pattern></defs>
      <path class="sphere" d="${shapes.sphere}"></path>
      <g class="countries">${paths}</g><g class="dots"></g><g class="alert-marks" aria-hidden="true"></g></svg>
    <div class="tooltip" role="tooltip" hidden></div></div>`;
  const svg = host.querySelector('svg');
  const els = [...svg.querySelectorAll('g.countries path')];
  const dots = svg.querySelector('g.dots');
  const tip = host.querySelector('.tooltip');
  const wrap = host.querySelector('.map-wrap');
  let units = new Map();
  let alertMonth = new Map(); // code -> "YYYY-MM" of its newest marked alert
  let fmt = (v) => String(v);
  let total = 0;

  function update(next, colour, format, label) {
    units = next;
    fmt = format;
    total = [...units.values()].filter((u) => u.score != null).length;
    const dotHtml = [];
    let mapped = 0;
    const onMap = new Set();
    shapes.list.forEach((s, i) => {
      const p = els[i];
      const u = s.code ? units.get(s.code) : null;
      if (!u) {
        p.setAttribute('class', 'land');
        p.setAttribute('fill', OUTSIDE);
        return;
      }
      const scored = u.score != null;
      const fill = scored ? colour(u.score) : HATCH;
      p.setAttribute('class', scored ? 'country scored' : 'country na');
      p.setAttribute('fill', fill);
      if (scored && !onMap.has(s.code)) {
        mapped++;
        onMap.add(s.code);
      }
      if (s.small && scored)
        dotHtml.push(
          `<circle cx="${s.small[0].toFixed(1)}" cy="${s.small[1].toFixed(1)}" r="3.2" fill="${fill}" data-code="${esc(s.code)}" class="dot"></circle>`
        );
    });
    dots.innerHTML = dotHtml.join('');
    svg.querySelector('#map-title').textContent = label;
    svg.querySelector('#map-desc').textContent = `${total} countries scored; the ranking table below lists the same numbers.`;
    host.dataset.mapped = String(mapped);
    return { mapped: onMap };
  }

  const codeAt = (t) => (t && t.dataset ? t.dataset.code : null);
  wrap.addEventListener('pointermove', (ev) => {
    const code = codeAt(ev.target);
    const shape = ev.target.dataset && ev.target.dataset.i != null ? shapes.list[Number(ev.target.dataset.i)] : null;
    if (!code && !shape) {
      tip.hidden = true;
      return;
    }
    const u = code ? units.get(code) : null;
    const name = (u && u.name) || (shape && shape.name) || code;
    let body;
    if (!u) body = '<span class="muted">not in this index</span>';
    else if (u.score == null) body = '<span class="muted">no score this year</span>';
    else {
      const iv = u.rank_lo != null && u.rank_hi != null ? `<br><span class="muted">rank range ${u.rank_lo}–${u.rank_hi}</span>` : '';
      body = `<b class="tip-score">${esc(fmt(u.score))}</b> · rank ${u.rank} of ${total}${iv}`;
    }
    const al = code && alertMonth.get(code);
    tip.innerHTML = `<div class="tip-name">${esc(name)}</div>${body}${al ? `<div class="tip-alert">alert in ${esc(al)}</div>` : ''}`;
    tip.hidden = false;
    const box = wrap.getBoundingClientRect();
    const x = ev.clientX - box.left;
    const y = ev.clientY - box.top;
    tip.style.left = `${Math.min(x + 14, box.width - 190)}px`;
    tip.style.top = `${y + 14}px`;
  });
  wrap.addEventListener('pointerleave', () => (tip.hidden = true));
  wrap.addEventListener('click', (ev) => {
    const code = codeAt(ev.target);
    if (code && units.has(code)) onOpen(code);
  });
  /** Rings on the countries in `codes` (a Set): the ones with recent alerts. */
  function markAlerts(codes, latest = new Map()) {
    alertMonth = latest;
    const seen = new Set();
    const rings = [];
    for (const s of shapes.list) {
      if (!s.code || !codes.has(s.code) || seen.has(s.code) || !s.centre) continue;
      seen.add(s.code);
      rings.push(
        `<circle class="alert-ring" cx="${s.centre[0].toFixed(1)}" cy="${s.centre[1].toFixed(1)}" r="7" data-code="${esc(s.code)}"></circle>` +
          `<circle class="alert-core" cx="${s.centre[0].toFixed(1)}" cy="${s.centre[1].toFixed(1)}" r="2.6" data-code="${esc(s.code)}"></circle>`
      );
    }
    svg.querySelector('g.alert-marks').innerHTML = rings.join('');
    host.dataset.alertMarks = String(seen.size);
  }
  return { update, markAlerts };
}
