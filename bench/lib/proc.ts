import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuSecondsSplit(pid);
  return user + system;
}

/** User and kernel CPU seconds of a process so far, apart (0 for a process that is gone). */
export function cpuSecondsSplit(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks (USER_HZ = 100)
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
  } catch {
    return { user: 0, system: 0 };
  }
}

/** Resident memory of a process in MB, from /proc/<pid>/status. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The first process whose command name is `comm` (e.g. redis-server, mariadbd), if any. */
export function findPid(comm: string): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === comm) return Number(d);
    } catch {
      // gone
    }
  }
  return undefined;
}

/**
 * The process listening on TCP `port` of this host, from the listening sockets in /proc/net/tcp
 * (and tcp6) and the sockets each process holds open. Finding a service by its name alone picks
 * whichever instance comes first, and this machine often runs more than one: tests start private
 * redis-server and RabbitMQ nodes beside the shared ones.
 */
export function listenerPid(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st … inode; state 0A is LISTEN, the port is hex after the colon.
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[3] === '0A' && parseInt(cols[1].split(':')[1], 16) === port) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${d}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${d}/fd/${fd}`));
        if (m && inodes.has(m[1])) return Number(d);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/** CPU used by a set of processes over a window, and the peak RSS of the first group, sampled every 200 ms. */
export class Sampler {
  private cpu0: number[] = [];
  private t0 = 0;
  private peak = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly pids: number[]) {}

  start(): void {
    this.cpu0 = this.pids.map(cpuSeconds);
    this.t0 = performance.now();
    this.peak = this.rss();
    this.timer = setInterval(() => {
      this.peak = Math.max(this.peak, this.rss());
    }, 200);
  }

  rss(): number {
    return this.pids.reduce((s, p) => s + rssMb(p), 0);
  }

  /** CPU seconds of each pid since start, the window in seconds, and the peak summed RSS in MB. */
  stop(): { cpuSec: number[]; wallSec: number; peakRssMb: number } {
    clearInterval(this.timer);
    this.peak = Math.max(this.peak, this.rss());
    return {
      cpuSec: this.pids.map((p, i) => cpuSeconds(p) - this.cpu0[i]),
      wallSec: (performance.now() - this.t0) / 1000,
      peakRssMb: Math.round(this.peak * 10) / 10,
    };
  }
}

/** CPU seconds the whole machine spent busy (all cores, everything but idle and iowait), from /proc/stat. */
export function machineBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** The service behind `url`: the process listening on its port, else the first named `comm` (-1: none). */
export function servicePid(url: string, defaultPort: number, comm: string): number {
  return listenerPid(Number(new URL(url).port || defaultPort)) ?? findPid(comm) ?? -1;
}
