// route.js - the pure parts of the dashboard's frame, kept apart from the DOM so that they
// can be tested in node: reading the URL hash into a view and its parameters, and bringing
// the server's index list into the shape the views expect.

/** '#/country/AFG?index=hsi' -> {name: 'country', id: 'AFG', params}. */
export function parseHash(hash) {
  const h = String(hash || '').replace(/^#\/?/, '');
  const [path, qs = ''] = h.split('?');
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p; // a malformed escape: keep the text, the route says it does not exist
      }
    });
  const params = new URLSearchParams(qs);
  if (!parts.length) return { name: 'overview', id: null, params };
  if (parts[0] === 'country' && parts[1]) return { name: 'country', id: parts[1].toUpperCase(), params };
  if (parts[0] === 'alerts') return { name: 'alerts', id: null, params };
  if (parts[0] === 'watchlist') return { name: 'watchlist', id: null, params };
  if (parts[0] === 'method') return { name: 'method', id: null, params };
  return { name: 'missing', id: parts.join('/'), params };
}

/**
 * An index as the views expect it: years ascending, a node list, a top node that exists
 * (a stub named after the index when the server lists no nodes), a latest year.
 */
export function normaliseIndex(ix) {
  const years = (Array.isArray(ix.years) ? ix.years : []).map(Number).filter(Number.isFinite).sort((a, b) => a - b);
  const nodes = Array.isArray(ix.nodes) ? ix.nodes.slice() : [];
  let top = ix.top;
  if (!top || !nodes.some((n) => n.code === top)) {
    const root = nodes.find((n) => !n.parent);
    if (root) top = root.code;
    else {
      top = top || ix.id;
      nodes.push({ code: top, name: ix.name || top, level: 1, parent: null, weight: 1, type: 'Aggregate', direction: 1 });
    }
  }
  const latest = ix.latest_year != null && years.includes(Number(ix.latest_year)) ? Number(ix.latest_year) : years[years.length - 1];
  return { ...ix, name: ix.name || ix.id, years, nodes, top, latest_year: latest };
}
