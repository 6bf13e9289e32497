// method.js - "Method and sources": how the index was built (steps, structure with effective
// weights, the pipeline file itself) and where the data come from, with their licences and
// attribution lines (a sources.md or sources.csv beside the pipeline, the matching sections
// of the data's PROVENANCE.md, and the map's own sources).
import { el, esc } from './util.js';

/**
 * A small, safe subset of Markdown: headings, lists, pipe tables, paragraphs, `code`,
 * **bold**, links. Everything is escaped first; anything else shows as text.
 */
export function markdown(src) {
  const inline = (s) =>
    esc(s)
      .replace(/`([^`]+)`/g, '<code>$1</code>')
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
      .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2" rel="noopener">$1</a>');
  const out = [];
  let para = [];
  let list = null;
  let table = null;
  const cells = (ln) => ln.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
  const flush = () => {
    if (para.length) out.push(`<p>${inline(para.join(' '))}</p>`);
    para = [];
    if (list) out.push(`<ul>${list.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`);
    list = null;
    if (table) {
      const [head, ...rows] = table;
      out.push(
        `<div class="table-wrap"><table class="sources"><thead><tr>${head
          .map((c) => `<th>${inline(c)}</th>`)
          .join('')}</tr></thead><tbody>${rows
          .map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table></div>`
      );
    }
    table = null;
  };
  for (const raw of String(src).split(/\r?\n/)) {
    const ln = raw.trimEnd();
    let m;
    if (!ln.trim()) flush();
    else if (/^\s*\|/.test(ln)) {
      if (!table) flush();
      if (!/^[\s|:-]+$/.test(ln)) (table = table || []).push(cells(ln)); // skip |---| rows
    } else if ((m = /^(#{1,6})\s+(.*)$/.exec(ln))) {
      flush();
      const lvl = Math.min(6, m[1].length + 3);
      out.push(`<h${lvl}>${inline(m[2])}</h${lvl}>`);
    } else if ((m = /^\s*[-*+]\s+(.*)$/.exec(ln))) {
      if (para.length) flush();
      (list = list || []).push(m[1]);
    } else if (list && /^\s+/.test(ln)) list[list.length - 1] += ' ' + ln.trim();
    else {
      if (list) flush();
      para.push(ln.trim());
    }
  }
  flush();
  return out.join('\n');
}

function structureTable(d) {
  const rows = (d.method.structure || [])
    .map(
      (n) => `<tr class="lvl${n.level}"><td>${esc(n.code)}</td><td>${esc(n.name)}</td><td>${esc(
        n.parent || '—'
      )}</td><td class="num">${n.type === 'Indicator' ? (n.direction < 0 ? '− (lower is better)' : '+') : ''}</td>
      <td class="num">${n.effWeight != null ? (n.effWeight * 100).toFixed(1) + ' %' : ''}</td></tr>`
    )
    .join('');
  return `<div class="table-wrap"><table class="structure"><thead><tr><th>Code</th><th>Name</th><th>Parent</th>
    <th class="num">Direction</th><th class="num">Effective weight</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function sourcesTable(t) {
  const head = t.head.map((h) => `<th>${esc(h)}</th>`).join('');
  const rows = t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('');
  return `<div class="table-wrap"><table class="sources"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function renderMethod(app, model) {
  const d = model.data;
  const m = d.method || {};
  const s = d.sources || {};
  let src = '';
  if (s.markdown) src += `<div class="md">${markdown(s.markdown)}</div>`;
  if (s.table) src += sourcesTable(s.table);
  const seen = new Set(); // several files may share one PROVENANCE section
  for (const p of s.provenance || []) {
    if (seen.has(p.text)) continue;
    seen.add(p.text);
    src += `<div class="prov"><div class="prov-file">Data file <code>${esc(p.file)}</code></div><div class="md">${markdown(p.text)}</div></div>`;
  }
  if (!src) src = '<p>No sources file (<code>sources.md</code> or <code>sources.csv</code>) was found beside the pipeline.</p>';
  const section = el(`<section class="card method" id="method">
      <div class="card-head"><h2>Method and sources</h2></div>
      <div class="cols">
        <div>
          <h3>How the index is built</h3>
          <p>${esc(d.index.name)} (${esc(d.index.code)}) was built with humsec from the pipeline
          <code>${esc(m.pipelineFile || '')}</code>. Steps, in order: ${esc(
    (m.datasets || []).join(' → ')
  )}. ${model.year ? `Scores are for ${esc(model.year)}; ` : ''}${model.scored.length} ${model.noun.many} are scored and
          ${model.notScored.length} are not (too little data). Ranks are competition ranks
          (1 = highest score; ties share the lower rank).${
    model.lowerIsBetter ? ' A high score is bad here (lower is better): the colours are turned round.' : ''
  }</p>
          <p>Effective weight: the share an indicator has in the top score, the product of its
          weights within each parent along the way up.</p>
          ${
            (m.structure || []).length > 14
              ? `<details><summary>The structure (${m.structure.length} indicators and aggregates)</summary>${structureTable(d)}</details>`
              : structureTable(d)
          }
          ${m.pipeline ? `<details><summary>The pipeline file</summary><pre>${esc(m.pipeline)}</pre></details>` : ''}
        </div>
        <div>
          <h3>Sources, licences and attribution</h3>
          ${src}
          <h4>Map</h4>
          ${
            d.map
              ? `<p>Boundaries: <code>${esc(d.map.file)}</code>, named by the pipeline's <code>[report]</code> section.</p>`
              : model.countries
              ? `<p>Country shapes: world-atlas 2.0.2 (ISC licence, © Mike Bostock), derived from
          Natural Earth (public domain). Country codes and names: i18n-iso-countries 7.14.0
          (MIT licence). Borders and names on the map imply no position on the status of any
          territory.</p>`
              : `<p>No map: the unit codes are not ISO 3166-1 alpha-3 codes and the pipeline names no boundary file (<code>[report] map = FILE.geojson</code>).</p>`
          }
        </div>
      </div>
      <footer class="foot">Generated by ${esc(d.generator || 'humsec')}. This page is self-contained and works offline.</footer>
    </section>`);
  app.appendChild(section);
}
