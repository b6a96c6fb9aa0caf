/** A wait for a key that outlasted its bound; the key was not taken. */
export class LockWaitTimeout extends Error {
  constructor(
    readonly key: string,
    readonly waitedMs: number,
  ) {
    super(`waited ${waitedMs} ms for the lock on ${key}`);
    this.name = 'LockWaitTimeout';
  }
}

/**
 * An in-process async mutex per key, with FIFO hand-over and an optional bound on the wait.
 *
 * Written here rather than pulled in because it is a few lines and nothing in our dependencies
 * offers one. The lock is handed straight from the releasing holder to the first waiter (the key
 * stays held in between), so a caller arriving at that moment cannot jump the queue.
 */
export class KeyedMutex {
  /** A key is held exactly while it has an entry here; the array holds its waiters, in order. */
  private readonly queues = new Map<string, (() => void)[]>();

  /** Runs `fn` holding `key`. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(key);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * Resolves with the release function once `key` is ours; rejects with LockWaitTimeout if that
   * takes longer than `maxWaitMs`. The release function is safe to call more than once.
   */
  acquire(key: string, maxWaitMs?: number): Promise<() => void> {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.release(key);
    };
    const waiters = this.queues.get(key);
    if (!waiters) {
      this.queues.set(key, []);
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const grant = () => {
        clearTimeout(timer);
        resolve(release);
      };
      waiters.push(grant);
      if (maxWaitMs !== undefined) {
        timer = setTimeout(() => {
          const i = waiters.indexOf(grant);
          if (i >= 0) waiters.splice(i, 1);
          reject(new LockWaitTimeout(key, maxWaitMs));
        }, maxWaitMs);
      }
    });
  }

  /** Whether someone holds `key`. */
  isHeld(key: string): boolean {
    return this.queues.has(key);
  }

  private release(key: string): void {
    const waiters = this.queues.get(key);
    const next = waiters?.shift();
    if (next) next();
    else this.queues.delete(key);
  }
}
