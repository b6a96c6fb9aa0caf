import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { startServerPair, type ServerPair } from '../support/cluster-pair';
import { scrape, type Scrape } from '../support/metrics';
import { joinAs, step } from '../support/room';

/**
 * The compose file's monitoring: docker/prometheus.yml scrapes every instance, Grafana's
 * provisioning points at that Prometheus, and every metric the dashboard's queries name exists in
 * a running server's /metrics (after some traffic, so that histograms have series).
 */
const ROOT = resolve(__dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface ComposeService {
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
}
interface Panel {
  id: number;
  title: string;
  type: string;
  datasource?: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}

const services = (parse(read('docker/compose.yaml'), { merge: true }) as { services: Record<string, ComposeService> })
  .services;
const prometheus = parse(read('docker/prometheus.yml')) as {
  scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
};
const dashboard = JSON.parse(read('docker/grafana/dashboards/myroom.json')) as {
  uid: string;
  title: string;
  panels: Panel[];
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
/** The instances: services built from the Dockerfile that serve (the one-shot migrate does not). */
const instances = Object.entries(services)
  .filter(([, s]) => s.build && !s.command)
  .map(([name, s]) => ({ name, port: s.environment?.PORT ?? '3000' }));

/** Where `service` mounts `source` (a path under docker/) inside its container. */
function mountOf(service: string, source: string): string | undefined {
  return services[service].volumes?.map((v) => v.split(':')).find(([from]) => from === source)?.[1];
}

describe('docker/prometheus.yml', () => {
  it('scrapes /metrics of every instance, and only compose services', () => {
    expect(instances.map((i) => i.name)).toEqual(['app1', 'app2', 'app3']);
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    for (const target of targets) {
      const [host] = target.split(':');
      expect({ target, service: host in services }).toEqual({ target, service: true });
    }
    expect(targets.sort()).toEqual(instances.map((i) => `${i.name}:${i.port}`).sort());
    for (const c of prometheus.scrape_configs) expect(c.metrics_path ?? '/metrics').toBe('/metrics');
  });

  it('is what the prometheus service runs, and Grafana is provisioned with it', () => {
    expect(mountOf('prometheus', './prometheus.yml')).toBe('/etc/prometheus/prometheus.yml');
    expect(mountOf('grafana', './grafana/provisioning')).toBe('/etc/grafana/provisioning');
    const dashboardsDir = mountOf('grafana', './grafana/dashboards');
    const datasources = parse(read('docker/grafana/provisioning/datasources/prometheus.yaml')) as {
      datasources: { uid: string; url: string }[];
    };
    const [ds] = datasources.datasources;
    expect(new URL(ds.url).hostname).toBe('prometheus');
    expect(services.prometheus.ports).toContain(`${new URL(ds.url).port}:${new URL(ds.url).port}`);
    const providers = parse(read('docker/grafana/provisioning/dashboards/myroom.yaml')) as {
      providers: { options: { path: string } }[];
    };
    expect(providers.providers.map((p) => p.options.path)).toContain(dashboardsDir);
    // Every panel and query reads the provisioned data source.
    for (const p of panels.filter((x) => x.targets)) {
      expect({ panel: p.title, uid: p.datasource?.uid }).toEqual({ panel: p.title, uid: ds.uid });
      for (const t of p.targets!)
        expect({ panel: p.title, uid: t.datasource?.uid ?? ds.uid }).toEqual({ panel: p.title, uid: ds.uid });
    }
  });
});

describe('docker/grafana/dashboards/myroom.json', () => {
  let pair: ServerPair;
  let metrics: Scrape;

  beforeAll(async () => {
    pair = await startServerPair();
    // Traffic across the two instances, so the histograms (local and remote delivery, fan-out lag) have series.
    const [mover] = await joinAs(pair.a, 1, 1);
    const [watcher] = await joinAs(pair.b, 2, 1);
    const moved = await step(mover, 'right');
    await watcher.next((f) => f.type === 'moved' && f.seq === moved.seq);
    metrics = await scrape(pair.b.url);
    await Promise.all([mover.close(), watcher.close()]);
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('has the panels ops asked for, each with a query, laid out without overlaps', () => {
    const titles = panels.map((p) => p.title);
    for (const wanted of [
      /players online/i,
      /rooms/i,
      /events\/s in/i,
      /events\/s out/i,
      /p99 event latency/i,
      /fan-out lag/i,
      /rate-limited and refused/i,
      /event-loop lag/i,
      /redis.*mysql.*broker/i,
    ]) {
      expect({ wanted: String(wanted), found: titles.some((t) => wanted.test(t)) }).toEqual({
        wanted: String(wanted),
        found: true,
      });
    }
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels.filter((x) => x.type !== 'row'))
      expect({ panel: p.title, queries: p.targets?.length ?? 0 }).not.toEqual({ panel: p.title, queries: 0 });
    const cells = new Map<string, string>();
    for (const p of dashboard.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect({ cell: `${x},${y}`, taken: cells.get(`${x},${y}`) }).toEqual({ cell: `${x},${y}`, taken: undefined });
          cells.set(`${x},${y}`, p.title);
        }
      }
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
  });

  it("every metric a query names exists in a running server's /metrics", () => {
    const used = new Set(panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr))));
    // The finder must find the metrics, or this test would pass by checking nothing.
    expect([...used]).toEqual(
      expect.arrayContaining([
        'myroom_players',
        'myroom_event_delivery_seconds_bucket',
        'nodejs_eventloop_lag_p99_seconds',
      ]),
    );
    const missing = [...used].filter((name) => !PROMETHEUS_OWN.has(name) && !exposed(metrics, name));
    expect(missing).toEqual([]);
  });
});

/** Series Prometheus itself records for each scrape target: not in any /metrics. */
const PROMETHEUS_OWN = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** A family of the exposition, or a histogram/summary's `_bucket`, `_sum` or `_count` series with samples. */
function exposed(s: Scrape, name: string): boolean {
  if (s.families.has(name)) return true;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  return !!m && ['histogram', 'summary'].includes(s.families.get(m[1]) ?? '') && s.sampleNames.has(name);
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names in a PromQL expression: identifiers that are not functions or aggregations
 * (followed by `(`), label matchers (`{…}`), grouping labels (`by (…)`), ranges (`[…]`), strings,
 * numbers or keywords.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice(m.index + m[0].length);
    if (/^\s*\(/.test(after) || PROMQL_WORDS.has(m[0].toLowerCase())) continue;
    const before = stripped.slice(0, m.index);
    if (/[0-9.]$/.test(before) && /^[eE]/.test(m[0])) continue; // an exponent: 1e3
    names.push(m[0]);
  }
  return names;
}
