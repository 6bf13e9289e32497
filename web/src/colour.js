// colour.js - the one colour scale the map, table and profile share: low scores are warm
// (red/orange), high scores cool (blue), so a reader sees insecurity at a glance.
import { scaleSequential } from 'd3-scale';
import { interpolateRdYlBu } from 'd3-scale-chromatic';

export const NO_DATA = '#d9dde3';

/**
 * Scale over [lo, hi] (the latest year's range of the top score, or of a pillar); with
 * `reverse` (an index that is bad when high, such as a risk index) high values are warm.
 */
export function makeColour(lo, hi, reverse) {
  // Trim the palette's darkest ends so labels on coloured chips stay readable.
  const s = scaleSequential((t) => interpolateRdYlBu(0.06 + 0.88 * t)).domain(reverse ? [hi, lo] : [lo, hi]);
  return (v) => (v == null || !isFinite(v) ? NO_DATA : s(v));
}

/** A CSS linear-gradient for the legend of makeColour. */
export function gradientCss(reverse) {
  const stops = [];
  for (let i = 0; i <= 10; i++) stops.push(interpolateRdYlBu(0.06 + 0.88 * ((reverse ? 10 - i : i) / 10)));
  return `linear-gradient(90deg, ${stops.join(',')})`;
}
