// map.js - the world choropleth of the latest year. Country shapes come from the shipped
// TopoJSON (ids are ISO 3166-1 numeric codes); units are matched through the ISO alpha-3
// to numeric table. Countries too small to see get a dot at their centroid; scored units
// without a shape are listed under the map.
import { geoArea, geoEqualEarth, geoMercator, geoPath, geoCentroid } from 'd3-geo';
import { feature } from 'topojson-client';
import { el, esc } from './util.js';
import { gradientCss, NO_DATA } from './colour.js';

const W = 960;
const H = 470;
const SMALL_AREA = 6; // px^2 at the default size: below this a country also gets a dot

/**
 * The world as an SVG string: every shape projected once, a unit's shape (byNum: ISO
 * numeric code -> unit with a `code`) filled by fill(u) with class cls(u) and data-code,
 * other land plain; shapes too small to see get a dot. Returns {svg, mapped: Set of codes}.
 */
export function worldSvg(topo, byNum, { fill, cls, label }) {
  const world = feature(topo, topo.objects.countries);
  const shapes = world.features.filter((f) => f.id !== '010'); // Antarctica: no scores, much space
  const projection = geoEqualEarth().fitExtent(
    [
      [4, 4],
      [W - 4, H - 4],
    ],
    { type: 'FeatureCollection', features: shapes }
  );
  const path = geoPath(projection);
  const parts = [];
  const dots = [];
  const mapped = new Set();
  for (const f of shapes) {
    const u = f.id != null ? byNum.get(f.id) : undefined;
    const d = path(f);
    if (!d) continue;
    const colour = u ? fill(u) : NO_DATA;
    const attrs = u ? ` data-code="${esc(u.code)}" class="${cls(u)}"` : ' class="land"';
    parts.push(`<path d="${d}" fill="${colour}"${attrs}></path>`);
    if (u) {
      mapped.add(u.code);
      if (path.area(f) < SMALL_AREA) {
        const [x, y] = projection(geoCentroid(f));
        dots.push(
          `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.2" fill="${colour}" data-code="${esc(u.code)}" class="dot"></circle>`
        );
      }
    }
  }
  const svg = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}">
    <path class="sphere" d="${path({ type: 'Sphere' })}"></path>
    <g class="countries">${parts.join('')}</g><g class="dots">${dots.join('')}</g></svg>`;
  return { svg, mapped };
}

/**
 * GeoJSON rings wound the RFC 7946 way (outer rings counter-clockwise) read in d3-geo as
 * the whole globe minus the shape; turn such features round so each covers its own area.
 */
function rewound(f) {
  if (!f.geometry || geoArea(f) <= 2 * Math.PI) return f;
  const flip = (poly) => poly.map((ring) => [...ring].reverse());
  const g = f.geometry;
  const coordinates = g.type === 'Polygon' ? flip(g.coordinates) : g.type === 'MultiPolygon' ? g.coordinates.map(flip) : g.coordinates;
  return { ...f, geometry: { ...g, coordinates } };
}

/**
 * The units' own boundaries (the [report] map of the pipeline) as an SVG string: a feature
 * whose id (the feature's `id`, or the property `map.id`) is a unit code is filled by
 * fill(u). Returns {svg, mapped: Set of codes} or {error}.
 */
export function boundarySvg(map, byCode, { fill, cls, label }) {
  let geo;
  try {
    geo = JSON.parse(map.text);
  } catch (e) {
    return { error: `The boundary file ${map.file} is not valid JSON (${e.message}).` };
  }
  if (!geo || !Array.isArray(geo.features)) return { error: `The boundary file ${map.file} has no features.` };
  const idOf = (f) => (map.id === 'id' ? (f.id != null ? f.id : f.properties && f.properties.id) : f.properties && f.properties[map.id]);
  const shapes = geo.features.filter((f) => f && f.geometry).map(rewound);
  const projection = geoMercator().fitExtent(
    [
      [4, 4],
      [W - 4, H - 4],
    ],
    { type: 'FeatureCollection', features: shapes }
  );
  const path = geoPath(projection);
  const parts = [];
  const mapped = new Set();
  for (const f of shapes) {
    const id = idOf(f);
    const u = id != null ? byCode.get(String(id)) : undefined;
    const d = path(f);
    if (!d) continue;
    if (u) mapped.add(u.code);
    const attrs = u ? ` data-code="${esc(u.code)}" class="${cls(u)}"` : ' class="land"';
    parts.push(`<path d="${d}" fill="${u ? fill(u) : NO_DATA}"${attrs}></path>`);
  }
  const svg = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}">
    <g class="countries">${parts.join('')}</g></svg>`;
  return { svg, mapped };
}

export function renderMap(app, model, topo, open) {
  // no map for units that are not countries unless the pipeline names their boundaries
  if (!model.mapShown) return;
  const section = el(`<section class="card map-card" id="map">
      <div class="card-head"><h2>Scores${esc(model.inYear)}</h2>
        <div class="legend"><span>${esc(model.fmt(model.range[0]))}</span>
          <span class="legend-bar" style="background:${gradientCss(model.lowerIsBetter)}"></span>
          <span>${esc(model.fmt(model.range[1]))}</span>
          <span class="legend-nodata"><i style="background:${NO_DATA}"></i>no score</span></div>
      </div>
      <div class="map-wrap"></div>
      <div class="tooltip" hidden></div>
      <p class="map-missing"></p>
    </section>`);
  app.appendChild(section);
  const style = {
    fill: (u) => model.colour(u.score),
    cls: (u) => (u.score == null ? 'country' : 'country scored'),
    label: model.data.map ? `Map of scores (${model.data.map.file})` : 'World map of scores',
  };
  let drawn;
  if (model.data.map) {
    drawn = boundarySvg(model.data.map, model.byCode, style);
  } else if (!topo || !topo.objects || !topo.objects.countries) {
    drawn = { error: 'No map data.' };
  } else {
    const byNum = new Map();
    for (const u of model.units) if (u.num) byNum.set(u.num, u);
    drawn = worldSvg(topo, byNum, style);
  }
  const wrap = section.querySelector('.map-wrap');
  if (drawn.error) {
    wrap.textContent = drawn.error;
    return;
  }
  const { svg, mapped } = drawn;
  wrap.innerHTML = svg;
  section.dataset.source = model.data.map ? 'boundaries' : 'world';

  const missing = model.scored.filter((u) => !mapped.has(u.code));
  const note = section.querySelector('.map-missing');
  if (missing.length) {
    note.innerHTML =
      `<strong>Not on the map</strong> (${model.data.map ? `no shape in ${esc(model.data.map.file)}` : "too small for the map's scale or without a shape"}): ` +
      missing
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((u) => `<a href="#" data-code="${esc(u.code)}">${esc(u.name)}</a> ${esc(model.fmt(u.score))}`)
        .join(', ') +
      '.';
  } else {
    note.textContent = `Every scored ${model.noun.one} is on the map.`;
  }
  section.dataset.mapped = String(model.scored.filter((u) => mapped.has(u.code)).length);

  const tip = section.querySelector('.tooltip');
  wrap.addEventListener('mousemove', (ev) => {
    const code = ev.target.dataset && ev.target.dataset.code;
    const u = code && model.byCode.get(code);
    if (!u) {
      tip.hidden = true;
      return;
    }
    const box = section.getBoundingClientRect();
    tip.hidden = false;
    tip.innerHTML = `<b>${esc(u.name)}</b><br>${
      u.score == null ? 'not scored' : `${esc(model.fmt(u.score))} · rank ${u.rank}`
    }`;
    tip.style.left = `${ev.clientX - box.left + 14}px`;
    tip.style.top = `${ev.clientY - box.top + 10}px`;
  });
  wrap.addEventListener('mouseleave', () => (tip.hidden = true));
  section.addEventListener('click', (ev) => {
    const code = ev.target.dataset && ev.target.dataset.code;
    if (code && model.byCode.get(code)) {
      ev.preventDefault();
      open(code);
    }
  });
}
