/** A small line of the last values (events/s), as SVG polyline points. Pure. */

/** `x,y` pairs from left to right; the newest value at the right edge, 0 at the bottom. */
export function sparklinePoints(
  values: readonly number[],
  width: number,
  height: number,
  slots = values.length,
): string {
  if (values.length === 0) return '';
  const top = Math.max(1, ...values);
  const step = slots > 1 ? width / (slots - 1) : 0;
  const first = slots - values.length;
  return values
    .map((v, i) => {
      const x = (first + i) * step;
      const y = height - (Math.max(0, v) / top) * (height - 2) - 1;
      return `${round(x)},${round(y)}`;
    })
    .join(' ');
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Keeps the last `max` values. */
export function pushBounded(values: number[], value: number, max: number): void {
  values.push(value);
  if (values.length > max) values.splice(0, values.length - max);
}
