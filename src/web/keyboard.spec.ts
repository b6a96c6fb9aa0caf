import type { Direction } from '../protocol/messages';
import { directionForKey, MoveController } from './keyboard';

describe('directionForKey', () => {
  it('maps W/A/S/D by physical key and the arrows', () => {
    expect(directionForKey({ code: 'KeyW', key: 'w' })).toBe('up');
    expect(directionForKey({ code: 'KeyA', key: 'q' })).toBe('left'); // AZERTY: the key where A is on QWERTY
    expect(directionForKey({ code: 'KeyS', key: 'S' })).toBe('down');
    expect(directionForKey({ code: 'KeyD', key: 'd' })).toBe('right');
    expect(directionForKey({ code: 'ArrowUp', key: 'ArrowUp' })).toBe('up');
    expect(directionForKey({ code: '', key: 'ArrowLeft' })).toBe('left');
    expect(directionForKey({ code: 'KeyX', key: 'x' })).toBeUndefined();
    expect(directionForKey({ code: 'Space', key: ' ' })).toBeUndefined();
  });
});

/** A server stand-in: each step waits until the test answers it. */
function harness(stepIntervalMs = 0) {
  const sent: Direction[] = [];
  const answers: { ok: () => void; refuse: (e: unknown) => void }[] = [];
  const refused: Direction[] = [];
  let clock = 0;
  const sleeps: number[] = [];
  const c = new MoveController({
    send: (dir) => {
      sent.push(dir);
      return new Promise((ok, refuse) => answers.push({ ok: () => ok(undefined), refuse }));
    },
    onRefused: (_e, dir) => refused.push(dir),
    stepIntervalMs,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  });
  /** Answers the oldest step and lets the controller run until it waits again. */
  const answer = async (refuse = false) => {
    const a = answers.shift()!;
    if (refuse) a.refuse(new Error('BLOCKED'));
    else a.ok();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return {
    c,
    sent,
    answer,
    refused,
    sleeps,
    tick: (ms: number) => {
      clock += ms;
    },
  };
}

describe('MoveController', () => {
  it('a tap is one step, even when the key is up before the answer', async () => {
    const h = harness();
    const done = h.c.press('right');
    h.c.release('right');
    expect(h.sent).toEqual(['right']);
    await h.answer();
    await done;
    expect(h.sent).toEqual(['right']);
  });

  it('keeps one step in flight; taps in between wait their turn, at most two', async () => {
    const h = harness();
    const done = h.c.press('right');
    h.c.release('right');
    void h.c.press('down');
    h.c.release('down');
    void h.c.press('left');
    h.c.release('left');
    void h.c.press('up');
    h.c.release('up');
    expect(h.sent).toEqual(['right']);
    await h.answer();
    expect(h.sent).toEqual(['right', 'down']);
    await h.answer();
    expect(h.sent).toEqual(['right', 'down', 'left']);
    await h.answer();
    await done;
    expect(h.sent).toEqual(['right', 'down', 'left']);
  });

  it('walks while a key is held, at the step pace, toward the key pressed last', async () => {
    const h = harness(100);
    const done = h.c.press('right');
    h.tick(30);
    await h.answer();
    expect(h.sleeps).toEqual([70]);
    expect(h.sent).toEqual(['right', 'right']);
    void h.c.press('down');
    h.tick(200);
    await h.answer();
    expect(h.sent).toEqual(['right', 'right', 'down']);
    h.c.release('down');
    await h.answer();
    expect(h.sent).toEqual(['right', 'right', 'down', 'right']);
    h.c.release('right');
    await h.answer();
    await done;
    expect(h.sent).toHaveLength(4);
  });

  it('stops repeating after a refused step and reports it', async () => {
    const h = harness();
    const done = h.c.press('left');
    await h.answer(true);
    await done;
    expect(h.sent).toEqual(['left']);
    expect(h.refused).toEqual(['left']);
    // A new press walks again.
    void h.c.press('right');
    expect(h.sent).toEqual(['left', 'right']);
  });

  it('forgets held keys when the window loses focus', async () => {
    const h = harness();
    const done = h.c.press('up');
    h.c.releaseAll();
    await h.answer();
    await done;
    expect(h.sent).toEqual(['up']);
  });
});
