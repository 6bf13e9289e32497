// util.js - small helpers shared by the views: escaping, number formats, element creation.

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML. */
export function esc(s) {
  return String(s == null ? '' : s).replace(/[&<>"']/g, (c) => ESC[c]);
}

/** Create an element from an HTML string (one root). */
export function el(html) {
  const t = document.createElement('template');
  t.innerHTML = html.trim();
  return t.content.firstElementChild;
}

/** A formatter that shows scores with a precision suited to their range. */
export function scoreFormat(lo, hi) {
  const span = Math.abs(hi - lo);
  const digits = span <= 2 ? 3 : span <= 20 ? 2 : 1;
  return (v) => (v == null || !isFinite(v) ? '–' : v.toFixed(digits));
}

export function isNum(v) {
  return typeof v === 'number' && isFinite(v);
}

/** Median of the finite numbers of an array (null if none). */
export function median(xs) {
  const v = xs.filter(isNum).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Ordinal suffix: 1st, 2nd, 3rd, 4th ... */
export function ordinal(n) {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return n + (s[(v - 20) % 10] || s[v] || s[0]);
}
