import { KeyedMutex, LockWaitTimeout } from './keyed-mutex';

describe('KeyedMutex', () => {
  it('hands a key over to its waiters in the order they asked', async () => {
    const mutex = new KeyedMutex();
    const release = await mutex.acquire('k');
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) =>
      mutex.run('k', async () => {
        order.push(n);
      }),
    );
    release();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    expect(mutex.isHeld('k')).toBe(false);
  });

  it('a waiter that gives up leaves the queue; the next one still gets the key', async () => {
    const mutex = new KeyedMutex();
    const release = await mutex.acquire('k');
    const impatient = mutex.acquire('k', 10);
    const patient = mutex.acquire('k');
    await expect(impatient).rejects.toBeInstanceOf(LockWaitTimeout);
    release();
    const releasePatient = await patient;
    expect(mutex.isHeld('k')).toBe(true);
    releasePatient();
    releasePatient(); // a second release is harmless
    expect(mutex.isHeld('k')).toBe(false);
  });

  it('keys are independent', async () => {
    const mutex = new KeyedMutex();
    const a = await mutex.acquire('a');
    const b = await mutex.acquire('b');
    a();
    b();
    expect(mutex.isHeld('a') || mutex.isHeld('b')).toBe(false);
  });
});
