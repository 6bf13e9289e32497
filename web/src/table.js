// table.js - the ranking table of the latest year: rank, country, score, pillar scores and
// the rank interval from the uncertainty analysis when one was computed. Sortable by any
// column, searchable by name or code; a row opens the country's profile.
import { el, esc, isNum } from './util.js';

/** The 5-95 % rank range as text and a small bar on the scale 1..n (median as a tick). */
function intervalCell(iv, n) {
  if (!iv || !isNum(iv[0]) || !isNum(iv[2])) return '–';
  const pos = (r) => (n > 1 ? ((r - 1) / (n - 1)) * 100 : 0);
  const mid = isNum(iv[1]) ? `<b style="left:${pos(iv[1]).toFixed(1)}%"></b>` : '';
  return `<span class="range"><i style="left:${pos(iv[0]).toFixed(1)}%;width:${Math.max(
    1.5,
    pos(iv[2]) - pos(iv[0])
  ).toFixed(1)}%"></i>${mid}</span>${iv[0]}–${iv[2]}`;
}

export function renderTable(app, model, open) {
  const d = model.data;
  const cols = [
    { key: 'rank', label: 'Rank', num: true, get: (u) => u.rank },
    { key: 'name', label: model.noun.One, num: false, get: (u) => u.name },
    { key: 'score', label: d.index.code, num: true, get: (u) => u.score },
    ...d.pillars.map((p, j) => ({
      key: `p${j}`,
      label: p.name || p.code,
      num: true,
      pillar: j,
      get: (u) => u.pillars[j],
    })),
  ];
  if (model.hasIntervals)
    cols.push({
      key: 'interval',
      label: `Rank range ${d.intervals.label}`,
      num: true,
      get: (u) => (u.interval ? u.interval[0] : null),
    });

  const section = el(`<section class="card" id="ranking">
      <div class="card-head"><h2>Ranking${model.year ? ` ${esc(model.year)}` : ''}</h2>
        <input type="search" class="search" placeholder="Search a ${model.noun.one}…" aria-label="Search a ${model.noun.one}"></div>
      <p class="note intervals-note"></p>
      <div class="table-wrap"><table class="ranking"><thead><tr></tr></thead><tbody></tbody></table></div>
      <p class="note not-scored"></p>
    </section>`);
  app.appendChild(section);
  section.querySelector('.intervals-note').innerHTML = model.hasIntervals
    ? `Rank intervals: the ${esc(d.intervals.label)} range of ranks over ${esc(
        d.intervals.what
      )} (from <code>${esc(d.intervals.file)}</code>).`
    : 'Rank intervals are not computed for this build: run <code>humsec sensitivity</code> to see how far each rank could move under other defensible choices.';
  if (model.notScored.length)
    section.querySelector('.not-scored').innerHTML = `<strong>Not scored${esc(model.inYear)}</strong> (not enough data): ${model.notScored
      .map((u) => esc(u.name))
      .sort()
      .join(', ')}.`;

  const head = section.querySelector('thead tr');
  const body = section.querySelector('tbody');
  let sortKey = 'rank';
  let sortDir = 1;
  for (const c of cols) {
    const th = el(`<th data-key="${c.key}" class="${c.num ? 'num' : ''}" tabindex="0">${esc(c.label)}<span class="arrow"></span></th>`);
    head.appendChild(th);
  }
  const [lo, hi] = model.range;
  const rowHtml = (u) => {
    const w = hi > lo ? ((u.score - lo) / (hi - lo)) * 100 : 100;
    let h = `<td class="num rank">${u.rank}</td><td class="country">${esc(u.name)} <span class="code">${esc(
      u.code
    )}</span></td><td class="num score"><span class="bar"><i style="width:${w.toFixed(
      1
    )}%;background:${model.colour(u.score)}"></i></span>${esc(model.fmt(u.score))}</td>`;
    d.pillars.forEach((_, j) => {
      const v = u.pillars[j];
      h += `<td class="num"><span class="chip" style="background:${model.pillarColour[j](v)}"></span>${
        isNum(v) ? esc(model.fmt(v)) : '–'
      }</td>`;
    });
    if (model.hasIntervals) h += `<td class="num interval">${intervalCell(u.interval, model.scored.length)}</td>`;
    return `<tr data-code="${esc(u.code)}" tabindex="0">${h}</tr>`;
  };
  const rows = new Map(model.scored.map((u) => [u.code, el(`<table><tbody>${rowHtml(u)}</tbody></table>`).querySelector('tr')]));

  function draw() {
    const c = cols.find((x) => x.key === sortKey);
    const list = [...model.scored].sort((a, b) => {
      const x = c.get(a);
      const y = c.get(b);
      if (x == null && y == null) return a.rank - b.rank;
      if (x == null) return 1;
      if (y == null) return -1;
      const r = c.num ? x - y : String(x).localeCompare(String(y));
      return r ? r * sortDir : a.rank - b.rank;
    });
    const frag = document.createDocumentFragment();
    for (const u of list) frag.appendChild(rows.get(u.code));
    body.replaceChildren(frag);
    for (const th of head.children) {
      th.classList.toggle('sorted', th.dataset.key === sortKey);
      th.querySelector('.arrow').textContent = th.dataset.key === sortKey ? (sortDir > 0 ? ' ▲' : ' ▼') : '';
    }
  }
  function sortBy(key) {
    if (key === sortKey) sortDir = -sortDir;
    else {
      sortKey = key;
      const c = cols.find((x) => x.key === key);
      // Scores read best first; ranks and names ascending.
      sortDir = c.num && key !== 'rank' && key !== 'interval' ? -1 : 1;
    }
    draw();
  }
  head.addEventListener('click', (ev) => {
    const th = ev.target.closest('th');
    if (th) sortBy(th.dataset.key);
  });
  head.addEventListener('keydown', (ev) => {
    const th = ev.target.closest('th');
    if (th && (ev.key === 'Enter' || ev.key === ' ')) {
      ev.preventDefault();
      sortBy(th.dataset.key);
    }
  });
  section.querySelector('.search').addEventListener('input', (ev) => {
    const q = ev.target.value.trim().toLowerCase();
    for (const u of model.scored) {
      const hit = !q || u.name.toLowerCase().includes(q) || u.code.toLowerCase().includes(q);
      rows.get(u.code).hidden = !hit;
    }
  });
  body.addEventListener('click', (ev) => {
    const tr = ev.target.closest('tr');
    if (tr) open(tr.dataset.code);
  });
  body.addEventListener('keydown', (ev) => {
    const tr = ev.target.closest('tr');
    if (tr && ev.key === 'Enter') open(tr.dataset.code);
  });
  draw();
}
