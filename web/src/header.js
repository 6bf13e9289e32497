// header.js - the title band: what the index is, for which year, and three headline facts.
import { el, esc, median } from './util.js';

export function renderHeader(app, model) {
  const d = model.data;
  const top = [...model.scored].sort((a, b) => a.rank - b.rank);
  const best = top[0];
  const worst = top[top.length - 1];
  const med = median(model.scored.map((u) => u.score));
  const card = (label, value, sub) =>
    `<div class="kpi"><div class="kpi-label">${esc(label)}</div>` +
    `<div class="kpi-value">${esc(value)}</div><div class="kpi-sub">${esc(sub)}</div></div>`;
  app.appendChild(
    el(`<header class="hero">
      <div class="hero-text">
        <div class="eyebrow">${esc(d.index.code)}${model.year ? ` · ${esc(model.year)}` : ''}</div>
        <h1>${esc(d.title || d.index.name)}</h1>
        <p class="lede">${esc(d.index.name)} for ${model.scored.length} ${model.noun.many}${esc(model.inYear)}${d.times.length > 1 ? `, with trends since ${esc(d.times[0])}` : ''}. Click a ${model.noun.one}${model.mapShown ? ' on the map or' : ''} in the table for its profile.</p>
      </div>
      <div class="kpis">
        ${best ? card('Highest', best.name, model.fmt(best.score)) : ''}
        ${med != null ? card('Median score', model.fmt(med), `${model.scored.length} ${model.noun.many}`) : ''}
        ${worst ? card('Lowest', worst.name, model.fmt(worst.score)) : ''}
      </div>
    </header>`)
  );
}
