import { el } from '../util.js';
export function createCountry(ctx, r) {
  const node = el('<div class="view"><div class="card">todo</div></div>');
  return { node, id: r.id, title: () => 'country · humsec', update() {} };
}
