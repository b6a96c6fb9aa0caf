/**
 * `p`, or, once `ms` have passed without it settling, what `late()` returns instead (or throws,
 * for a deadline that fails the caller). The timer is cleared as soon as either side settles, so
 * it never outlives the race. `late` runs only when the deadline is reached.
 */
export function withDeadline<T>(p: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(late());
      } catch (err) {
        reject(err);
      }
    }, ms);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}
