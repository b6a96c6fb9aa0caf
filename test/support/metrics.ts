/**
 * A server's `/metrics`, parsed from the Prometheus text exposition format: every sample by its
 * series (`name{label="value",...}`, labels sorted), and every metric family with its type.
 */
export interface Scrape {
  /** Sample value of one series, 0 when the series does not exist (yet). */
  value(name: string, labels?: Record<string, string>): number;
  /** Metric families by name, with their declared type (counter, gauge, histogram...). */
  families: Map<string, string>;
  /** Every sample name that occurs (`x_bucket`, `x_sum`, `x_count` for a histogram `x`). */
  sampleNames: Set<string>;
}

export async function scrape(baseUrl: string): Promise<Scrape> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseExposition(await res.text());
}

export function parseExposition(text: string): Scrape {
  const samples = new Map<string, number>();
  const families = new Map<string, string>();
  const sampleNames = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) families.set(type[1], type[2]);
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`unparsable sample: ${line}`);
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    samples.set(seriesKey(m[1], labels), Number(m[3]));
    sampleNames.add(m[1]);
  }
  return {
    value: (name, labels = {}) => samples.get(seriesKey(name, labels)) ?? 0,
    families,
    sampleNames,
  };
}

function seriesKey(name: string, labels: Record<string, string>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`);
  return `${name}{${pairs.join(',')}}`;
}
