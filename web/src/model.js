// model.js - turns the embedded report data into what the views need: country names and
// ISO numeric codes (from the shipped i18n-iso-countries tables), the scored units of the
// latest year, per-indicator ranges and each unit's weighted shortfalls.
import { isNum } from './util.js';
import { scoreFormat } from './util.js';
import { makeColour } from './colour.js';

/** codes: [[alpha2, alpha3, numeric, iso3166-2], ...]; names: {countries: {alpha2: name}} */
function codeTables(codes, names) {
  const byAlpha3 = new Map();
  for (const [a2, a3, num] of codes || []) {
    let n = names && names.countries ? names.countries[a2] : null;
    if (Array.isArray(n)) n = n[0];
    byAlpha3.set(a3, { num, name: n || null });
  }
  return byAlpha3;
}

export function prepare(data, codes, names) {
  const iso = codeTables(codes, names);
  // Units are countries when most codes are ISO 3166-1 alpha-3 codes: then the world map,
  // ISO names and the word "countries"; otherwise "units", and a map only from the
  // boundary file the pipeline's [report] section names.
  const nIso = data.units.filter((u) => iso.has(u.code)).length;
  const countries = data.units.length > 0 && nIso * 2 > data.units.length;
  const units = data.units.map((u) => {
    const c = countries ? iso.get(u.code) : null;
    return {
      ...u,
      name: u.name || (c && c.name) || u.code,
      num: c ? c.num : null,
      imputedSet: new Set(u.imputed || []),
      treatedSet: new Set(u.treated || []),
    };
  });
  const scored = units.filter((u) => isNum(u.score));
  const notScored = units.filter((u) => !isNum(u.score));
  const scores = scored.map((u) => u.score);
  const lo = Math.min(...scores);
  const hi = Math.max(...scores);
  const fmt = scoreFormat(lo, hi);
  const lowerIsBetter = !!data.lowerIsBetter;
  const colour = makeColour(lo, hi, lowerIsBetter);

  // Ranges of each indicator and pillar among scored units (latest year), for shortfalls.
  const indRange = data.indicators.map((_, j) => {
    const v = scored.map((u) => u.ind[j]).filter(isNum);
    return v.length ? [Math.min(...v), Math.max(...v)] : [0, 0];
  });
  const pillarRange = data.pillars.map((_, j) => {
    const v = scored.map((u) => u.pillars[j]).filter(isNum);
    return v.length ? [Math.min(...v), Math.max(...v)] : [0, 0];
  });
  const pillarColour = pillarRange.map(([a, b]) => makeColour(a, b, lowerIsBetter));
  const byCode = new Map(units.map((u) => [u.code, u]));
  // A build without a Time column has one slice, time 0: say no year then.
  const year = data.times.length === 1 && data.times[0] === 0 ? '' : String(data.latest);
  return {
    data,
    units,
    scored,
    notScored,
    byCode,
    fmt,
    colour,
    range: [lo, hi],
    indRange,
    pillarRange,
    pillarColour,
    hasIntervals: !!data.intervals,
    // ISO alpha-3 -> numeric code and name, for countries outside the index (the watchlist)
    isoNum: new Map([...iso].map(([a3, c]) => [a3, c.num])),
    isoNames: new Map([...iso].filter(([, c]) => c.name).map(([a3, c]) => [a3, c.name])),
    lowerIsBetter,
    countries,
    mapShown: !!data.map || countries,
    // the words for a unit: countries only when the codes are countries'
    noun: countries ? { one: 'country', many: 'countries', One: 'Country' } : { one: 'unit', many: 'units', One: 'Unit' },
    year,
    inYear: year ? ` in ${year}` : '',
  };
}

/**
 * What pulls a unit's score down most: for each indicator, the shortfall from the best
 * value among scored units (as a share of the observed range) times the indicator's
 * effective weight in the index. Largest first. For an index that is bad when high the
 * best value is the lowest one.
 */
export function shortfalls(model, u) {
  const out = [];
  model.data.indicators.forEach((ind, j) => {
    const x = u.ind[j];
    // an imputed value is the imputation's guess, not the unit's strength or weakness
    if (!isNum(x) || (u.imputedSet && u.imputedSet.has(j))) return;
    const [a, b] = model.indRange[j];
    const gap = b > a ? (model.lowerIsBetter ? x - a : b - x) / (b - a) : 0;
    out.push({ ind, value: x, gap, pull: gap * ind.weight });
  });
  return out.sort((p, q) => q.pull - p.pull);
}
