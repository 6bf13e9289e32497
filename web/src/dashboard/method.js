// method.js - how an index is built (#/method?index=hsi), from GET /api/v1/method: the
// pipeline's steps in order with their parameters, the structure as a tree with each
// node's weight within its parent and its effective weight in the top score, and the data
// sources with their licences.
import { el, esc } from '../util.js';
import { api } from './api.js';
import { errorBox, href, loading, pickIndex } from './common.js';

const STEP_TEXT = {
  data: 'Read the indicator table',
  denominate: 'Divide by a denominator (per capita, per GDP)',
  impute: 'Fill gaps',
  screen: 'Drop units with too little data',
  treat: 'Treat outliers',
  normalise: 'Bring indicators to one scale',
  aggregate: 'Combine indicators into pillars and the index',
};

/** Effective weight of each node: the product of its weight share among its siblings, up to the top. */
export function effectiveWeights(nodes) {
  const byCode = new Map(nodes.map((n) => [n.code, n]));
  const sum = new Map();
  for (const n of nodes) if (n.parent) sum.set(n.parent, (sum.get(n.parent) || 0) + (Number(n.weight) || 0));
  const memo = new Map();
  const ew = (n, seen = new Set()) => {
    if (memo.has(n.code)) return memo.get(n.code);
    if (!n.parent || seen.has(n.code)) return 1;
    seen.add(n.code);
    const p = byCode.get(n.parent);
    const s = sum.get(n.parent) || 0;
    const v = p && s > 0 ? ((Number(n.weight) || 0) / s) * ew(p, seen) : null;
    memo.set(n.code, v);
    return v;
  };
  return new Map(nodes.map((n) => [n.code, ew(n)]));
}

/** The structure's nodes only (the contract's types; anything else is not weighted). */
export function structureNodes(nodes) {
  return (nodes || []).filter((n) => n.type === 'Aggregate' || n.type === 'Indicator');
}

function tree(all) {
  const nodes = structureNodes(all);
  const ew = effectiveWeights(nodes);
  const kids = new Map();
  for (const n of nodes) {
    const k = n.parent || '';
    if (!kids.has(k)) kids.set(k, []);
    kids.get(k).push(n);
  }
  const maxLeaf = Math.max(0.0001, ...nodes.filter((n) => n.type === 'Indicator').map((n) => ew.get(n.code) || 0));
  const item = (n) => {
    const ch = kids.get(n.code) || [];
    const e = ew.get(n.code);
    const ind = n.type === 'Indicator';
    const dir = ind ? `<span class="dir" title="${n.direction < 0 ? 'lower values are better' : 'higher values are better'}">${n.direction < 0 ? '▼ lower is better' : '▲ higher is better'}</span>` : '';
    const bar = e != null && ind ? `<i style="width:${Math.max(2, (e / maxLeaf) * 40).toFixed(0)}px"></i>` : '';
    return `<li><div class="tnode ${ind ? 'ind' : 'agg'}"><span class="tn">${esc(n.name && n.name !== n.code ? n.name : n.code)} <span class="code">${esc(n.code)}</span> ${dir}</span>
      <span class="w">${n.parent ? esc(n.weight) : ''}</span><span class="ew">${bar}${e != null ? `${(e * 100).toFixed(1)} %` : ''}</span></div>${
      ch.length ? `<ul>${ch.map(item).join('')}</ul>` : ''
    }</li>`;
  };
  const roots = nodes.filter((n) => !n.parent || !nodes.some((p) => p.code === n.parent));
  return `<div class="tnode tree-head"><span>Node</span><span class="w">Weight</span><span class="ew">Effective</span></div>
    <ul class="tree">${roots.map(item).join('')}</ul>`;
}

function steps(list) {
  if (!list || !list.length) return '<p class="empty-note">No steps recorded.</p>';
  return `<ol class="steps">${list
    .map((s) => {
      const ps = Object.entries(s.params || {});
      return `<li><div class="step-name">${esc(s.step)}</div>${STEP_TEXT[s.step] ? `<div class="muted small">${esc(STEP_TEXT[s.step])}</div>` : ''}${
        ps.length ? `<div class="params">${ps.map(([k, v]) => `<span>${esc(k)} = ${esc(v)}</span>`).join('')}</div>` : ''
      }</li>`;
    })
    .join('')}</ol>`;
}

function sources(list) {
  if (!list || !list.length) return '<p class="empty-note">No sources recorded for this index.</p>';
  return `<div class="table-wrap plain"><table class="sources"><thead><tr><th scope="col">Source</th><th scope="col">Licence</th><th scope="col">File</th></tr></thead><tbody>${list
    .map((s) => `<tr><td>${esc(s.source)}</td><td><span class="licence">${esc(s.licence || '–')}</span></td><td><code>${esc(s.file)}</code></td></tr>`)
    .join('')}</tbody></table></div>`;
}

export function createMethod(ctx) {
  const node = el(`<div class="view method-view">
    <div class="page-head"><div><div class="eyebrow">Method</div><h1 id="m-title">How the index is built</h1>
      <p class="lede">The steps of the pipeline, the structure with its weights and the sources with their licences.
      Ranks are competition ranks within a year (1 = highest score; ties share a rank).</p></div>
      <nav class="tabs" aria-label="Index"></nav></div>
    <div class="method-body"></div></div>`);
  const bodyEl = node.querySelector('.method-body');
  let shown = null;
  let token = 0;

  async function load(ix) {
    const my = ++token;
    node.querySelector('.tabs').innerHTML = ctx.indices
      .map((i) => `<a href="${href('method', { index: i.id })}"${i.id === ix.id ? ' aria-current="page"' : ''}>${esc(i.name)}</a>`)
      .join('');
    bodyEl.replaceChildren(loading(`the method of ${ix.name}`));
    node.dataset.state = 'loading';
    try {
      const m = await api.method(ix.id);
      if (my !== token) return;
      const nodes = m.nodes && m.nodes.length ? m.nodes : ix.nodes;
      const nInd = nodes.filter((n) => n.type === 'Indicator').length;
      const nAgg = nodes.filter((n) => n.type === 'Aggregate').length;
      node.querySelector('#m-title').textContent = `Method: ${m.name || ix.name}`;
      bodyEl.innerHTML = `<div class="grid2">
        <section class="card" id="steps" aria-labelledby="steps-h"><h2 id="steps-h">Steps</h2>
          <p class="note">In the order the pipeline runs them.</p>${steps(m.steps)}</section>
        <section class="card" id="structure" aria-labelledby="struct-h"><h2 id="struct-h">Structure and weights</h2>
          <p class="note">${nInd} indicators under ${nAgg} aggregates. Weight: within the parent; effective: the node's share of the top score
          (the product of its weight shares up to the top).</p>${tree(nodes)}</section>
      </div>
      <section class="card" id="sources" aria-labelledby="src-h"><h2 id="src-h">Sources and licences</h2>${sources(m.sources)}
        <p class="note">Country shapes: world-atlas (ISC licence), derived from Natural Earth (public domain). Country codes and names:
        i18n-iso-countries (MIT licence).</p></section>`;
      node.dataset.state = 'ready';
    } catch (e) {
      if (my !== token) return;
      bodyEl.replaceChildren(errorBox(e, `the method of ${ix.name}`, () => load(ix)));
      node.dataset.state = 'error';
    }
  }

  return {
    node,
    title: () => `Method${shown ? ` · ${shown.name}` : ''} · humsec`,
    update(r) {
      const ix = pickIndex(ctx, r.params.get('index'));
      if (!ix) {
        bodyEl.replaceChildren(errorBox(new Error('The server has no index yet.'), 'the method'));
        return;
      }
      if (shown === ix) return;
      shown = ix;
      load(ix);
    },
  };
}
