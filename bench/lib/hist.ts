import * as hdr from 'hdr-histogram-js';

/** Latencies are recorded in microseconds; histograms travel between processes as base64. */
export type Histogram = hdr.Histogram;

export function newHist(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(600_000_000, Math.max(1, Math.round(ms * 1000))));
}

export const encodeHist = (h: Histogram): string => hdr.encodeIntoCompressedBase64(h);

export function mergeHists(encoded: string[]): Histogram {
  const total = newHist();
  for (const e of encoded) total.add(hdr.decodeFromCompressedBase64(e));
  return total;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Milliseconds, rounded to 0.1 ms. */
export function summarize(h: Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us / 100) / 10;
  if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
  };
}
