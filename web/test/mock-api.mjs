// mock-api.mjs - a stand-in for `humsec serve` when developing or testing the dashboard: the
// JSON API of docs/dashboard.md (v1) with made-up but consistent data, the dashboard's page,
// script and stylesheet from dist/, and the map and country-code tables from data/geo/.
//
// usage: node test/mock-api.mjs [--port 8088] [--host 127.0.0.1] [--fail PREFIX] [--delay MS]
//        (npm run dev-api)
//   --fail PREFIX  answer every API path starting with PREFIX (e.g. /api/v1/scores) with a
//                  500 internal error, to see how the dashboard shows failures
//   --delay MS     wait before each API answer, to see the loading states
//
// The index structures, pipeline steps and sources are read from the shipped examples; the
// countries from the HSI data file; scores, ranks, events and alerts are generated from a
// fixed seed, so every start serves the same numbers. Nothing here is real data.
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
};
const PORT = Number(arg('--port', process.env.PORT || 8088));
const HOST = arg('--host', '127.0.0.1');
const FAIL = arg('--fail', null);
const DELAY = Number(arg('--delay', 0));

// ---- small helpers -------------------------------------------------------------------------

/** Deterministic generator (mulberry32), so the mock serves the same numbers every time. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rows of a CSV with quoted fields (no newlines inside quotes, which these files do not have). */
function csv(text) {
  const rows = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const out = [];
    let cur = '';
    let q = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (q) {
        if (c === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (c === '"') q = false;
        else cur += c;
      } else if (c === '"') q = true;
      else if (c === ',') {
        out.push(cur);
        cur = '';
      } else cur += c;
    }
    out.push(cur);
    rows.push(out);
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

const read = (p) => readFileSync(join(root, p), 'utf8');
const round = (x, d = 2) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);

function nodesOf(structureFile) {
  // Only the index's tree: COINr's iMeta also lists groups and denominators.
  const rows = csv(read(structureFile)).filter((r) => r.Type === 'Indicator' || r.Type === 'Aggregate');
  return rows.map((r) => ({
    code: r.iCode,
    name: r.iName,
    level: Number(r.Level),
    parent: r.Parent && r.Parent !== 'NA' ? r.Parent : null,
    weight: Number(r.Weight),
    type: r.Type,
    direction: Number(r.Direction),
  }));
}

/** The [section] / key = value steps of a pipeline file. */
function stepsOf(pipelineFile) {
  const steps = [];
  let cur = null;
  for (const raw of read(pipelineFile).split(/\r?\n/)) {
    const ln = raw.replace(/#.*/, '').trim();
    if (!ln) continue;
    const m = /^\[(.+)\]$/.exec(ln);
    if (m) {
      cur = { step: m[1], params: {} };
      steps.push(cur);
    } else if (cur) {
      const kv = /^([^=]+)=(.*)$/.exec(ln);
      if (kv) cur.params[kv[1].trim()] = kv[2].trim();
    }
  }
  return steps;
}

// ---- the data ------------------------------------------------------------------------------

const countryNames = new Map();
for (const line of read('data/hsi/hsi_indicators_long.csv').split('\n').slice(1)) {
  const m = /^([A-Z]{3}),"([^"]*)"/.exec(line);
  if (m && !countryNames.has(m[1])) countryNames.set(m[1], m[2]);
}
// English names from the shipped ISO table (the data file's own names are not all UTF-8).
{
  const codes = JSON.parse(read('data/geo/i18n-iso-countries_codes.json'));
  const names = JSON.parse(read('data/geo/i18n-iso-countries_en.json')).countries;
  for (const [a2, a3] of codes) {
    const n = Array.isArray(names[a2]) ? names[a2][0] : names[a2];
    if (n && countryNames.has(a3)) countryNames.set(a3, n);
  }
}
const allCodes = [...countryNames.keys()].sort();
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

const hsiSources = csv(read('examples/hsi/sources.csv')).map((r) => ({
  file: r.file.replace(/^(\.\.\/)+/, ''),
  source: `${r.source} (${r.publisher})`,
  licence: r.licence,
}));
const INDICES = [
  {
    id: 'hsi',
    name: 'Human Security Index',
    structure: 'examples/hsi/structure.csv',
    pipeline: 'examples/hsi/hsi.pipeline',
    years: range(2005, 2023),
    units: allCodes,
    intervals: true,
    sources: hsiSources,
  },
  {
    id: 'hdi',
    name: 'Human Development Index',
    structure: 'examples/hdi/structure.csv',
    pipeline: 'examples/hdi/hdi.pipeline',
    years: range(1990, 2022),
    units: allCodes,
    sources: [{ file: 'data/hdr/HDR23-24_Composite_indices_complete_time_series.csv', source: 'UNDP Human Development Report 2023/24', licence: 'CC BY 3.0 IGO' }],
  },
  {
    id: 'inform',
    name: 'INFORM Risk',
    structure: 'examples/inform/structure.csv',
    pipeline: 'examples/inform/inform.pipeline',
    years: [2023],
    units: allCodes,
    sources: [{ file: 'data/inform/INFORM_Risk_2023.csv', source: 'INFORM Risk Index 2023 (European Commission JRC)', licence: 'CC BY 4.0' }],
  },
  {
    id: 'asem-p1',
    name: 'ASEM Sustainable Connectivity (example)',
    structure: 'data/coinr-asem/input_iMeta.csv',
    pipeline: 'examples/asem/p1.pipeline',
    years: [2018],
    units: allCodes.filter((_, i) => i % 4 === 0),
    sources: [{ file: 'data/coinr-asem/input_iData.csv', source: 'COINr example data (ASEM)', licence: 'MIT' }],
  },
];

/** Scores of every node, unit and year: indicators random-walk in 0..100, aggregates are
 *  weighted means of their children; a few units are never scored and some miss years. */
function generate(ix, seed) {
  const rand = rng(seed);
  const nodes = ix.nodes;
  const children = new Map(nodes.map((n) => [n.code, nodes.filter((c) => c.parent === n.code)]));
  const indicators = nodes.filter((n) => n.type === 'Indicator');
  const order = [...nodes].filter((n) => n.type !== 'Indicator').sort((a, b) => a.level - b.level);
  const data = new Map(); // year -> code -> node -> score
  for (const y of ix.years) data.set(y, new Map());
  for (const u of ix.units) {
    const never = rand() < 0.015;
    const base = 15 + rand() * 70;
    const drift = (rand() - 0.5) * 1.6;
    const start = rand() < 0.08 ? ix.years[Math.floor(rand() * ix.years.length)] : ix.years[0];
    const level = new Map(indicators.map((n) => [n.code, Math.min(100, Math.max(0, base + (rand() - 0.5) * 50))]));
    for (const y of ix.years) {
      const row = {};
      for (const n of indicators) {
        const v = Math.min(100, Math.max(0, level.get(n.code) + drift + (rand() - 0.5) * 4));
        level.set(n.code, v);
        row[n.code] = never || y < start ? null : v;
      }
      for (const n of order) {
        const ch = children.get(n.code);
        let s = 0;
        let w = 0;
        for (const c of ch) if (row[c.code] != null) (s += row[c.code] * c.weight), (w += c.weight);
        row[n.code] = w > 0 && ch.every((c) => row[c.code] != null) ? s / w : null;
      }
      data.get(y).set(u, row);
    }
  }
  // Competition ranks (1 = highest) of every node within each year.
  const ranks = new Map();
  for (const y of ix.years) {
    const byNode = new Map();
    for (const n of nodes) {
      const list = ix.units.map((u) => [u, data.get(y).get(u)[n.code]]).filter(([, v]) => v != null);
      list.sort((a, b) => b[1] - a[1]);
      const r = new Map();
      list.forEach(([u, v], i) => r.set(u, i > 0 && v === list[i - 1][1] ? r.get(list[i - 1][0]) : i + 1));
      byNode.set(n.code, r);
    }
    ranks.set(y, byNode);
  }
  return { data, ranks, rand };
}

const indices = INDICES.map((ix, k) => {
  const nodes = nodesOf(ix.structure);
  const top = nodes.find((n) => !n.parent).code;
  const full = { ...ix, nodes, top, steps: stepsOf(ix.pipeline) };
  Object.assign(full, generate(full, 1000 + k));
  // Rank intervals of the top node (an uncertainty analysis) for the HSI only.
  full.iv = new Map();
  if (ix.intervals)
    for (const y of ix.years) {
      const r = full.ranks.get(y).get(top);
      const n = r.size;
      const m = new Map();
      for (const [u, rank] of r) {
        const w = Math.round(2 + full.rand() * 18);
        const lo = Math.max(1, rank - Math.round(w * full.rand()));
        const hi = Math.min(n, lo + w);
        m.set(u, { lo, hi, median: Math.min(hi, Math.max(lo, rank)) });
      }
      full.iv.set(y, m);
    }
  return full;
});
const RUN = 12;

// Monthly events of the countries with conflict, and alerts on their surges.
const months = [];
for (let y = 2018; y <= 2023; y++) for (let m = 1; m <= 12; m++) months.push(`${y}-${String(m).padStart(2, '0')}`);
const evRand = rng(77);
const conflict = ['AFG', 'CAF', 'COD', 'COL', 'ETH', 'IRQ', 'MEX', 'MLI', 'MMR', 'NGA', 'PAK', 'SDN', 'SOM', 'SYR', 'UKR', 'YEM', 'BFA', 'MOZ'];
const events = new Map();
for (const c of conflict) {
  const base = 2 + evRand() * 40;
  const rows = months.map((month) => {
    const surge = evRand() < 0.05 ? 4 + evRand() * 8 : 1;
    const deaths = Math.round(base * surge * (0.4 + evRand() * 1.2));
    return { month, events: Math.max(0, Math.round(deaths / (2 + evRand() * 4))), deaths };
  });
  events.set(c, rows);
}
const alerts = [];
let alertId = 1;
for (const c of conflict) {
  const rows = events.get(c);
  for (let i = 12; i < rows.length; i++) {
    const prev = rows.slice(i - 12, i).map((r) => r.deaths);
    const mean = prev.reduce((a, b) => a + b, 0) / prev.length;
    if (rows[i].deaths > 3 * mean + 10 && alerts.length < 40)
      alerts.push({
        id: alertId++,
        country: c,
        name: countryNames.get(c) || c,
        month: rows[i].month,
        method: alertId % 3 === 0 ? 'cusum' : 'surprise',
        observed: rows[i].deaths,
        expected: round(mean, 1),
        p_value: alertId % 3 === 0 ? null : round(Math.exp(-(rows[i].deaths - mean) / Math.max(mean, 1)) / 50, 5),
        series: rows.slice(i - 11, i + 1).map((r) => ({ month: r.month, deaths: r.deaths })),
      });
  }
}
alerts.sort((a, b) => (a.month < b.month ? 1 : a.month > b.month ? -1 : b.id - a.id));

// ---- the API -------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
const publicNode = (n) => ({ code: n.code, name: n.name, level: n.level, parent: n.parent, weight: n.weight, type: n.type, direction: n.direction });
function indexOf(q) {
  const id = q.get('index');
  if (!id) throw new ApiError(400, 'bad_request', 'index is required (hsi, hdi, inform or asem-p1)');
  const ix = indices.find((i) => i.id === id);
  if (!ix) throw new ApiError(404, 'not_found', `no index '${id}'`);
  return ix;
}
function yearOf(ix, q) {
  if (!q.has('year')) return ix.years[ix.years.length - 1];
  const y = Number(q.get('year'));
  if (!Number.isInteger(y)) throw new ApiError(400, 'bad_request', 'year must be an integer');
  if (!ix.years.includes(y)) throw new ApiError(404, 'not_found', `no ${ix.id} scores in ${y}`);
  return y;
}
const nameOf = (c) => countryNames.get(c) || c;

const routes = {
  health: () => ({ status: 'ok', version: '0.1.0', schema_version: 3, latest_run: RUN }),
  indices: () => ({
    indices: indices.map((ix) => ({
      id: ix.id,
      name: ix.name,
      top: ix.top,
      years: ix.years,
      latest_year: ix.years[ix.years.length - 1],
      run: RUN,
      nodes: ix.nodes.map(publicNode),
    })),
  }),
  countries: () => ({ countries: allCodes.map((code) => ({ code, name: nameOf(code) })) }),
  scores: (q) => {
    const ix = indexOf(q);
    const year = yearOf(ix, q);
    const node = q.get('pillar') || ix.top;
    if (!ix.nodes.some((n) => n.code === node)) throw new ApiError(404, 'not_found', `no node '${node}' in ${ix.id}`);
    const r = ix.ranks.get(year).get(node);
    const iv = node === ix.top ? ix.iv.get(year) : null;
    let list = ix.units.map((code) => {
      const s = ix.data.get(year).get(code)[node];
      const v = iv && iv.get(code);
      return { code, name: nameOf(code), score: round(s, 3), rank: r.get(code) ?? null, rank_lo: v ? v.lo : null, rank_hi: v ? v.hi : null };
    });
    if (q.get('country')) list = list.filter((s) => s.code === q.get('country'));
    list.sort((a, b) => (a.rank == null) - (b.rank == null) || a.rank - b.rank || a.code.localeCompare(b.code));
    return { index: ix.id, run: RUN, year, node, scores: list };
  },
  ranks: (q) => {
    const ix = indexOf(q);
    const year = yearOf(ix, q);
    const r = ix.ranks.get(year).get(ix.top);
    const iv = ix.iv.get(year);
    const list = [...r].map(([code, rank]) => {
      const v = iv && iv.get(code);
      return { code, name: nameOf(code), rank, median: v ? v.median : null, lo: v ? v.lo : null, hi: v ? v.hi : null };
    });
    list.sort((a, b) => a.rank - b.rank);
    return { index: ix.id, run: RUN, year, ranks: list };
  },
  country: (code) => {
    if (!countryNames.has(code)) throw new ApiError(404, 'not_found', `no country '${code}'`);
    return {
      code,
      name: nameOf(code),
      indices: indices
        .filter((ix) => ix.units.includes(code))
        .map((ix) => ({
          id: ix.id,
          name: ix.name,
          top: ix.top,
          series: ix.years.map((year) => {
            const row = ix.data.get(year).get(code);
            const nodes = {};
            for (const n of ix.nodes) {
              const ranks = ix.ranks.get(year).get(n.code);
              nodes[n.code] = { score: round(row[n.code], 3), rank: ranks.get(code) ?? null, ranked: [...ranks.values()].filter((r) => r != null).length };
            }
            return { year, nodes };
          }),
        })),
      events: { months: events.get(code) || [] },
      alerts: alerts.filter((a) => a.country === code),
    };
  },
  panel: (q) => {
    const c = q.get('country');
    const from = q.get('from') || '0000-00';
    const to = q.get('to') || '9999-99';
    const rows = [];
    for (const [code, list] of events)
      if (!c || c === code) for (const r of list) if (r.month >= from && r.month <= to) rows.push({ country: code, ...r });
    return { level: 'country', rows };
  },
  alerts: (q) => {
    let list = alerts;
    if (q.get('country')) list = list.filter((a) => a.country === q.get('country'));
    if (q.get('since')) list = list.filter((a) => a.month >= q.get('since'));
    return { alerts: list.slice(0, Number(q.get('limit') || 100)), total: list.length };
  },
  method: (q) => {
    const ix = indexOf(q);
    return { index: ix.id, name: ix.name, steps: ix.steps, nodes: ix.nodes.map(publicNode), sources: ix.sources };
  },
};

function api(path, q) {
  const p = path.replace(/^\/api\/v1/, '');
  if (p === '/health') return routes.health();
  if (p === '/indices') return routes.indices();
  if (p === '/countries') return routes.countries();
  if (p === '/scores') return routes.scores(q);
  if (p === '/ranks') return routes.ranks(q);
  if (p === '/events/panel') return routes.panel(q);
  if (p === '/alerts') return routes.alerts(q);
  if (p === '/method') return routes.method(q);
  const m = /^\/countries\/([^/]+)$/.exec(p);
  if (m) return routes.country(decodeURIComponent(m[1]));
  throw new ApiError(404, 'not_found', `no route ${path}`);
}

const STATIC = {
  '/': ['web/dist/dashboard.html', 'text/html; charset=utf-8'],
  '/assets/dashboard.js': ['web/dist/dashboard.js', 'text/javascript; charset=utf-8'],
  '/assets/dashboard.css': ['web/dist/dashboard.css', 'text/css; charset=utf-8'],
  '/assets/countries-50m.json': ['data/geo/countries-50m.json', 'application/json'],
  '/assets/iso-codes.json': ['data/geo/i18n-iso-countries_codes.json', 'application/json'],
  '/assets/iso-names.json': ['data/geo/i18n-iso-countries_en.json', 'application/json'],
};

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const send = (status, body, type = 'application/json; charset=utf-8') => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  };
  const sendError = (e) =>
    send(e.status, JSON.stringify({ error: { code: e.code, status: e.status, message: e.message } }));
  if (STATIC[url.pathname]) {
    const [file, type] = STATIC[url.pathname];
    const full = join(root, file);
    if (!existsSync(full)) return sendError(new ApiError(404, 'not_found', `${file} is missing`));
    return send(200, readFileSync(full), type); // read each time: a rebuilt bundle shows at once
  }
  if (!url.pathname.startsWith('/api/v1/')) return sendError(new ApiError(404, 'not_found', `no route ${url.pathname}`));
  if (req.method !== 'GET') return sendError(new ApiError(405, 'method_not_allowed', 'the mock answers GET only'));
  const answer = () => {
    try {
      if (FAIL && url.pathname.startsWith(FAIL)) throw new ApiError(500, 'internal', `mock failure of ${url.pathname}`);
      send(200, JSON.stringify(api(url.pathname, url.searchParams)));
    } catch (e) {
      if (e instanceof ApiError) sendError(e);
      else sendError(new ApiError(500, 'internal', String(e && e.message)));
    }
  };
  if (DELAY > 0) setTimeout(answer, DELAY);
  else answer();
});
server.listen(PORT, HOST, () => {
  const a = server.address();
  console.log(`mock humsec API on http://${HOST}:${a.port}/ (${indices.length} indices, ${allCodes.length} countries, ${alerts.length} alerts)`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
