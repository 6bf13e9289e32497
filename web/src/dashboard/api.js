// api.js - the dashboard's only door to the server: GET requests to the same origin's
// /api/v1 (the JSON API) and /assets (map and country tables). Answers are cached for the
// session, since a run's results do not change under a reader; errors carry the server's
// stable code and message so a view can say what went wrong.

export class ApiError extends Error {
  constructor(message, { status = 0, code = 'network', path = '' } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.path = path;
  }
}

const cache = new Map();

/** A query string from an object, leaving out null and undefined values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v != null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function fetchJson(path) {
  let res;
  try {
    res = await fetch(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(`The server could not be reached (${e.message}).`, { path });
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const err = body && body.error;
    throw new ApiError(err && err.message ? err.message : `HTTP ${res.status} ${res.statusText}`, {
      status: res.status,
      code: (err && err.code) || 'http',
      path,
    });
  }
  if (body == null) throw new ApiError('The server sent an answer that is not JSON.', { status: res.status, code: 'bad_json', path });
  return body;
}

/** GET a JSON document (cached; a failed request is forgotten so that a retry asks again). */
export function get(path) {
  if (!cache.has(path)) {
    const p = fetchJson(path);
    cache.set(path, p);
    p.catch(() => cache.delete(path));
  }
  return cache.get(path);
}

export const api = {
  health: () => get('/api/v1/health'),
  indices: () => get('/api/v1/indices'),
  countries: () => get('/api/v1/countries'),
  scores: (index, year, pillar) => get(`/api/v1/scores${query({ index, year, pillar })}`),
  countryScore: (index, year, country) => get(`/api/v1/scores${query({ index, year, country })}`),
  ranks: (index, year) => get(`/api/v1/ranks${query({ index, year })}`),
  country: (code) => get(`/api/v1/countries/${encodeURIComponent(code)}`),
  alerts: () => get('/api/v1/alerts'),
  method: (index) => get(`/api/v1/method${query({ index })}`),
  forecasts: (country) => get(`/api/v1/forecasts${query({ country })}`),
  watchlist: (months, limit) => get(`/api/v1/watchlist${query({ months, limit })}`),
  forecastScores: () => get('/api/v1/forecasts/scores'),
  topo: () => get('/assets/countries-50m.json'),
  isoCodes: () => get('/assets/iso-codes.json'),
  isoNames: () => get('/assets/iso-names.json'),
};
