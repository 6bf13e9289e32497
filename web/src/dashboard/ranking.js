// ranking.js - the ranking table under the map: rank, country, score (a bar in the map's
// colour), the rank interval from the uncertainty analysis as a bar on the 1..N scale (the
// median rank as a tick), and the change of rank since the year before. Sortable by every
// column (buttons in the headers, aria-sort), filtered by a search box; each country links
// to its page.
import { el, esc, isNum } from '../util.js';
import { href } from './common.js';

function intervalCell(u, n, med) {
  if (!isNum(u.rank_lo) || !isNum(u.rank_hi)) return '<span class="muted">–</span>';
  const pos = (r) => (n > 1 ? ((r - 1) / (n - 1)) * 100 : 0);
  const tick = isNum(med) ? `<b style="left:${pos(med).toFixed(1)}%"></b>` : '';
  return `<span class="range" aria-hidden="true"><i style="left:${pos(u.rank_lo).toFixed(1)}%;width:${Math.max(
    1.5,
    pos(u.rank_hi) - pos(u.rank_lo)
  ).toFixed(1)}%"></i>${tick}</span><span class="range-txt">${u.rank_lo}–${u.rank_hi}</span>`;
}

function changeCell(d) {
  if (!isNum(d)) return '<span class="muted">–</span>';
  if (d === 0) return '<span class="chg same" title="same rank as the year before">=</span>';
  return d > 0
    ? `<span class="chg up" title="up ${d} places since the year before">▲ ${d}</span>`
    : `<span class="chg down" title="down ${-d} places since the year before">▼ ${-d}</span>`;
}

export function renderRanking(section, ctx) {
  section.innerHTML = `<div class="card-head"><h2 id="rank-h">Ranking</h2>
      <div class="table-tools">
        <label class="search-label"><span class="sr-only">Filter countries</span>
          <input type="search" class="search" placeholder="Filter by name or code…" autocomplete="off"></label>
        <span class="count" aria-live="polite"></span></div></div>
    <p class="note iv-note"></p>
    <div class="table-wrap"><table class="ranking"><caption class="sr-only">Ranking</caption><thead><tr></tr></thead><tbody></tbody></table></div>
    <p class="note not-scored"></p>`;
  const head = section.querySelector('thead tr');
  const body = section.querySelector('tbody');
  const search = section.querySelector('.search');
  const count = section.querySelector('.count');
  let sortKey = 'rank';
  let sortDir = 1;
  let cols = [];
  let rows = [];
  let data = null;

  function draw() {
    const c = cols.find((x) => x.key === sortKey) || cols[0];
    const q = search.value.trim().toLowerCase();
    const list = rows
      .filter((r) => !q || r.u.name.toLowerCase().includes(q) || r.u.code.toLowerCase().includes(q))
      .sort((a, b) => {
        const x = c.get(a);
        const y = c.get(b);
        if (x == null && y == null) return a.u.rank - b.u.rank;
        if (x == null) return 1;
        if (y == null) return -1;
        const r = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
        return r ? r * sortDir : a.u.rank - b.u.rank;
      });
    body.innerHTML = list.length
      ? list.map((r) => r.html).join('')
      : `<tr class="empty"><td colspan="${cols.length}">No country matches “${esc(search.value)}”.</td></tr>`;
    count.textContent = q ? `${list.length} of ${rows.length}` : `${rows.length} countries`;
    for (const th of head.children) {
      const on = th.dataset.key === sortKey;
      th.setAttribute('aria-sort', on ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
      th.querySelector('.arrow').textContent = on ? (sortDir > 0 ? '▲' : '▼') : '';
    }
  }

  function update({ ix, node, year, list, prev, ranks, fmt, colour, lo, hi }) {
    data = { ix, node, year };
    section.dataset.state = 'ready';
    section.querySelector('#rank-h').textContent = `Ranking ${year}`;
    section.querySelector('caption').textContent = `${node.name || node.code}, ${year}: countries by rank`;
    const scored = list.filter((u) => isNum(u.score));
    const n = scored.length;
    const hasIv = scored.some((u) => isNum(u.rank_lo) && isNum(u.rank_hi));
    const med = new Map(ranks && ranks.ranks ? ranks.ranks.map((r) => [r.code, r.median]) : []);
    const prevRank = prev && prev.scores ? new Map(prev.scores.filter((u) => isNum(u.rank)).map((u) => [u.code, u.rank])) : null;
    cols = [
      { key: 'rank', label: 'Rank', num: true, get: (r) => r.u.rank },
      { key: 'name', label: 'Country', get: (r) => r.u.name },
      { key: 'score', label: node.code, num: true, get: (r) => r.u.score, desc: true },
    ];
    if (hasIv) cols.push({ key: 'iv', label: 'Rank range', num: true, get: (r) => (isNum(r.u.rank_lo) ? r.u.rank_lo : null) });
    if (prevRank) cols.push({ key: 'chg', label: `Since ${prev.year}`, num: true, get: (r) => r.chg, desc: true });
    head.innerHTML = cols
      .map(
        (c) =>
          `<th scope="col" data-key="${c.key}" class="${c.num ? 'num' : ''}"><button type="button" class="sort">${esc(
            c.label
          )}<span class="arrow" aria-hidden="true"></span></button></th>`
      )
      .join('');
    if (!cols.some((c) => c.key === sortKey)) (sortKey = 'rank'), (sortDir = 1);
    const span = hi > lo ? hi - lo : 1;
    rows = scored.map((u) => {
      const chg = prevRank && prevRank.has(u.code) && isNum(u.rank) ? prevRank.get(u.code) - u.rank : null;
      const link = href('country', { index: ix.id, year }, u.code);
      const w = ((u.score - lo) / span) * 100;
      let h = `<td class="num rank">${u.rank}</td>
        <td class="country"><a href="${link}">${esc(u.name)}</a> <span class="code">${esc(u.code)}</span></td>
        <td class="num score"><span class="bar" aria-hidden="true"><i style="width:${Math.max(2, w).toFixed(1)}%;background:${colour(
        u.score
      )}"></i></span>${esc(fmt(u.score))}</td>`;
      if (hasIv) h += `<td class="num interval">${intervalCell(u, n, med.get(u.code))}</td>`;
      if (prevRank) h += `<td class="num">${changeCell(chg)}</td>`;
      return { u, chg, html: `<tr data-code="${esc(u.code)}">${h}</tr>` };
    });
    section.querySelector('.iv-note').innerHTML = hasIv
      ? 'Rank range: the interval of ranks over the uncertainty analysis (other defensible weights, aggregation and gap filling), drawn on the scale 1 to ' +
        `${n}; the tick is the median rank.`
      : node.code === ix.top
      ? 'No rank intervals for this index and year (no uncertainty analysis stored).'
      : 'Rank intervals are computed for the top score only.';
    const na = list.filter((u) => !isNum(u.score));
    section.querySelector('.not-scored').innerHTML = na.length
      ? `<strong>No score in ${year}</strong> (not enough data): ${na
          .map((u) => `<a href="${href('country', { index: ix.id, year }, u.code)}">${esc(u.name)}</a>`)
          .join(', ')}.`
      : '';
    draw();
  }

  head.addEventListener('click', (ev) => {
    const th = ev.target.closest('th');
    if (!th) return;
    const key = th.dataset.key;
    if (key === sortKey) sortDir = -sortDir;
    else {
      sortKey = key;
      const c = cols.find((x) => x.key === key);
      sortDir = c && c.desc ? -1 : 1;
    }
    draw();
  });
  search.addEventListener('input', draw);
  body.addEventListener('click', (ev) => {
    if (ev.target.closest('a')) return;
    const tr = ev.target.closest('tr[data-code]');
    if (tr && data) ctx.go(href('country', { index: data.ix.id, year: data.year }, tr.dataset.code));
  });
  /** After a failed load: say so instead of showing an older year's rows as if current. */
  function fail(message) {
    section.dataset.state = 'error';
    rows = [];
    body.innerHTML = `<tr class="empty"><td colspan="${Math.max(1, cols.length)}">${esc(message)}</td></tr>`;
    count.textContent = '';
  }
  return { update, fail };
}
