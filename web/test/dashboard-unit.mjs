// dashboard-unit.mjs - the dashboard's pure functions in node (no browser): hash routes,
// the index list's normalisation, links, number formats, effective weights, the order of
// the alerts feed and the sparkline. usage: node --test test/dashboard-unit.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHash, normaliseIndex } from '../src/dashboard/route.js';
import { href, formatFor, measures, pickYear, lowerIsBetter } from '../src/dashboard/common.js';
import { effectiveWeights } from '../src/dashboard/method.js';
import { newestFirst } from '../src/dashboard/alerts.js';
import { sparkline, monthBars } from '../src/dashboard/charts.js';

const nodes = [
  { code: 'HSI', name: 'Human Security Index', parent: null, weight: 1, type: 'Aggregate', direction: 1 },
  { code: 'Fear', name: 'Freedom from fear', parent: 'HSI', weight: 1, type: 'Aggregate', direction: 1 },
  { code: 'Want', name: 'Freedom from want', parent: 'HSI', weight: 3, type: 'Aggregate', direction: 1 },
  { code: 'deaths', name: 'Deaths', parent: 'Fear', weight: 1, type: 'Indicator', direction: -1 },
  { code: 'le', name: 'Life expectancy', parent: 'Want', weight: 1, type: 'Indicator', direction: 1 },
  { code: 'eys', name: 'Schooling', parent: 'Want', weight: 1, type: 'Indicator', direction: 1 },
];

test('parseHash reads views, ids and parameters', () => {
  assert.equal(parseHash('').name, 'overview');
  assert.equal(parseHash('#/').name, 'overview');
  const o = parseHash('#/?index=hdi&year=2010');
  assert.equal(o.name, 'overview');
  assert.equal(o.params.get('year'), '2010');
  const c = parseHash('#/country/afg?index=hsi');
  assert.deepEqual([c.name, c.id, c.params.get('index')], ['country', 'AFG', 'hsi']);
  assert.equal(parseHash('#/alerts?country=SDN').params.get('country'), 'SDN');
  assert.equal(parseHash('#/method').name, 'method');
  assert.equal(parseHash('#/nowhere').name, 'missing');
  assert.equal(parseHash('#/country/%E0').name, 'country'); // malformed escape: no throw
});

test('href builds hash links that parseHash reads back', () => {
  const h = href('country', { index: 'inform', year: 2023, node: null }, 'COD');
  assert.equal(h, '#/country/COD?index=inform&year=2023');
  assert.equal(href('', {}), '#/');
  const node = href('', { index: 'inform', node: 'HAZARD & EXPOSURE' });
  assert.equal(parseHash(node).params.get('node'), 'HAZARD & EXPOSURE');
});

test('normaliseIndex sorts years and finds or makes a top node', () => {
  const a = normaliseIndex({ id: 'hsi', name: 'HSI', top: 'HSI', years: [2007, 2005, 2006], nodes });
  assert.deepEqual(a.years, [2005, 2006, 2007]);
  assert.equal(a.latest_year, 2007);
  const b = normaliseIndex({ id: 'x', name: 'X', top: 'NOPE', years: [2020], nodes });
  assert.equal(b.top, 'HSI');
  const c = normaliseIndex({ id: 'x', years: [], nodes: [] });
  assert.equal(c.top, 'x');
  assert.equal(c.nodes.length, 1);
  assert.equal(pickYear(a, '2006'), 2006);
  assert.equal(pickYear(a, '1999'), 2007);
  assert.equal(pickYear(a, null), 2007);
});

test('measures lists the aggregates top down; direction of the top node', () => {
  const ix = normaliseIndex({ id: 'hsi', top: 'HSI', years: [2020], nodes });
  assert.deepEqual(
    measures(ix).map((m) => [m.node.code, m.depth]),
    [
      ['HSI', 0],
      ['Fear', 1],
      ['Want', 1],
    ]
  );
  assert.equal(lowerIsBetter(ix), false);
  assert.equal(lowerIsBetter({ top: 'R', nodes: [{ code: 'R', direction: -1 }] }), true);
});

test('effective weights multiply the weight shares up to the top', () => {
  const ew = effectiveWeights(nodes);
  assert.equal(ew.get('HSI'), 1);
  assert.equal(ew.get('Fear'), 0.25);
  assert.equal(ew.get('Want'), 0.75);
  assert.equal(ew.get('deaths'), 0.25);
  assert.equal(ew.get('le'), 0.375);
  const leaves = nodes.filter((n) => n.type === 'Indicator').reduce((s, n) => s + ew.get(n.code), 0);
  assert.ok(Math.abs(leaves - 1) < 1e-12);
});

test('formatFor picks digits from the range', () => {
  assert.equal(formatFor([0.412, 0.95])(0.5), '0.500');
  assert.equal(formatFor([10, 90])(42.345), '42.3');
  assert.equal(formatFor([3, 12])(4.5), '4.50');
  assert.equal(formatFor([1, 2])(null), '–');
});

test('the alerts feed is newest first, then by id', () => {
  const list = newestFirst([
    { id: 1, month: '2022-01' },
    { id: 3, month: '2023-05' },
    { id: 2, month: '2023-05' },
    { id: 4, month: '2021-12' },
  ]);
  assert.deepEqual(
    list.map((a) => a.id),
    [3, 2, 1, 4]
  );
});

test('charts draw paths and label themselves', () => {
  const s = sparkline([1, 2, null, 8], { label: 'deaths <12>' });
  assert.match(s, /<path class="line" d="M/);
  assert.match(s, /aria-label="deaths &lt;12&gt;"/);
  assert.match(s, /<circle class="last"/);
  assert.equal(sparkline([]), '');
  const b = monthBars(
    [
      { month: '2023-01', deaths: 3, events: 1 },
      { month: '2023-02', deaths: 9, events: 2 },
    ],
    { flagged: new Set(['2023-02']) }
  );
  assert.equal((b.match(/<rect /g) || []).length, 2);
  assert.match(b, /class="mbar alert"/);
});

test('monthsBefore steps back over year ends', async () => {
  const { monthsBefore } = await import('../src/dashboard/overview.js');
  assert.equal(monthsBefore('2023-10', 11), '2022-11');
  assert.equal(monthsBefore('2023-01', 1), '2022-12');
  assert.equal(monthsBefore('2023-12', 0), '2023-12');
});
