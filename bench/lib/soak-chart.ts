/** One sample of the soak (bench/soak.ts): each instance's memory and sessions, and the stores' size. */
export interface SoakSample {
  /** Seconds since the start. */
  t: number;
  /** heapTotalMb (committed by V8) and externalMb tell a JS leak from heap sizing and buffers. */
  instances: {
    rssMb: number;
    heapMb: number;
    heapTotalMb: number;
    externalMb: number;
    /** V8 old space committed: where a heap that settles, or never gives memory back, shows. */
    oldSpaceMb: number;
    /** Resident anonymous (heap, malloc) and file-backed (code, mapped libraries) pages, from /proc. */
    rssAnonMb: number;
    rssFileMb: number;
    fds: number;
    sessions: number;
  }[];
  keys: number;
  keysMemMb: number;
  queues?: number;
  members: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

/**
 * The soak over time: each instance's RSS and heap used (MB, left axis), the heap V8 has committed
 * for instance 0 (its RSS follows it up and down), and the cluster's Redis keys (right axis);
 * dashed verticals mark the kills, a grey band the warm-up.
 */
export function soakChartSvg(samples: SoakSample[], kills: number[], warmupSeconds: number): string {
  const W = 840,
    H = 420,
    L = 60,
    R = 270,
    T = 30,
    B = 50;
  const maxT = Math.max(60, ...samples.map((s) => s.t));
  const mb = samples
    .flatMap((s) => s.instances.flatMap((i) => [i.rssMb, i.heapMb, i.heapTotalMb]))
    .filter(Number.isFinite);
  const maxMb = Math.ceil(Math.max(50, ...mb) / 50) * 50;
  const maxKeys = Math.ceil(Math.max(10, ...samples.map((s) => s.keys)) / 50) * 50;
  const x = (t: number) => L + (t / maxT) * (W - L - R);
  const yMb = (v: number) => T + (1 - v / maxMb) * (H - T - B);
  const yKeys = (v: number) => T + (1 - v / maxKeys) * (H - T - B);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="18" font-size="14" font-weight="bold">soak: memory and Redis keys over ${Math.round(maxT / 60)} min (two instances, one killed every few minutes)</text>`,
    `<rect x="${L}" y="${T}" width="${x(Math.min(warmupSeconds, maxT)) - L}" height="${H - T - B}" fill="#f3f3f3"/>`,
  ];
  for (let k = 0; k <= 5; k++) {
    const v = (maxMb / 5) * k;
    parts.push(
      `<line x1="${L}" x2="${W - R}" y1="${yMb(v)}" y2="${yMb(v)}" stroke="#ddd"/>`,
      `<text x="${L - 6}" y="${yMb(v) + 4}" text-anchor="end">${v} MB</text>`,
      `<text x="${W - R + 6}" y="${yKeys((maxKeys / 5) * k) + 4}">${(maxKeys / 5) * k}</text>`,
    );
  }
  const stepMin = maxT > 1800 ? 10 : maxT > 600 ? 5 : 1;
  for (let t = 0; t <= maxT; t += stepMin * 60)
    parts.push(`<text x="${x(t)}" y="${H - B + 16}" text-anchor="middle">${t / 60}</text>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">minutes</text>`);
  for (const k of kills)
    parts.push(`<line x1="${x(k)}" x2="${x(k)}" y1="${T}" y2="${H - B}" stroke="#999" stroke-dasharray="3 3"/>`);

  const series: { label: string; color: string; dash?: string; pts: [number, number][] }[] = [];
  const n = Math.max(...samples.map((s) => s.instances.length));
  for (let i = 0; i < n; i++) {
    const label = i === 0 ? 'instance 0' : `instance ${i} (killed)`;
    series.push({
      label: `${label} RSS`,
      color: COLORS[i],
      pts: samples
        .filter((s) => Number.isFinite(s.instances[i]?.rssMb))
        .map((s) => [x(s.t), yMb(s.instances[i].rssMb)]),
    });
    series.push({
      label: `${label} heap`,
      color: COLORS[i],
      dash: '6 3',
      pts: samples
        .filter((s) => Number.isFinite(s.instances[i]?.heapMb))
        .map((s) => [x(s.t), yMb(s.instances[i].heapMb)]),
    });
    if (i === 0)
      series.push({
        label: `${label} heap committed`,
        color: COLORS[i],
        dash: '2 2',
        pts: samples
          .filter((s) => Number.isFinite(s.instances[0]?.heapTotalMb))
          .map((s) => [x(s.t), yMb(s.instances[0].heapTotalMb)]),
      });
  }
  series.push({ label: 'Redis keys (right axis)', color: COLORS[2], pts: samples.map((s) => [x(s.t), yKeys(s.keys)]) });
  series.forEach((s, i) => {
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="1.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${s.pts
        .map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`)
        .join(' ')}"/>`,
      `<line x1="${W - R + 50}" x2="${W - R + 66}" y1="${T + 40 + i * 20}" y2="${T + 40 + i * 20}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      `<text x="${W - R + 72}" y="${T + 44 + i * 20}">${s.label}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
