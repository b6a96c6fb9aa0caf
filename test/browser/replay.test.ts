/**
 * The replay view in a real browser against the real server: it plays a room's past from the
 * start of what is kept to the end, pauses and plays on, and the timeline slider goes back.
 */
import type { Page } from 'playwright-core';
import { browserBed } from '../support/browser';
import { connectAs, eventually, joinAs, sleep, walk } from '../support/room';

const WAIT = { timeout: 15_000 };

jest.setTimeout(120_000);

describe('the replay view in the browser', () => {
  const bed = browserBed();

  const status = (page: Page) => page.locator('#replay-status').textContent();
  const seqShown = async (page: Page) => Number(await page.locator('#replay-seq').textContent());

  it('plays the room from its start, pauses in a pause of the room, plays on to the end, and the slider goes back', async () => {
    // The room's past: the owner walks, pauses 1.5 s, says something, walks on.
    const [owner] = await joinAs(bed.server, 7, 7);
    // The room's timeline starts with a snapshot taken just after its first event: wait for it, so
    // that the start of what is kept has the owner at the spawn.
    const probe = await connectAs(bed.server, 'probe');
    await eventually(async () =>
      expect(await probe.request({ type: 'replay', roomId: '7', from: { seq: 0 } })).toMatchObject({
        code: 'OUT_OF_RANGE',
        earliest: { seq: 1 },
      }),
    );
    await probe.close();
    const firstSteps = await walk(owner, ['right', 'right']);
    await sleep(1500);
    await owner.request({ type: 'say', text: '<b>hello</b> from the past' });
    const last = await walk(owner, ['down']);

    const page = await bed.openPage();
    await page.click('#demo-users button[data-user-id="8"]', WAIT);
    await page.click('#room-list button[data-room-id="7"][data-as="replay"]', WAIT);
    await page.waitForSelector('#replay-controls[data-state="playing"]', WAIT);

    // The pause in the room's past is a pause in the replay too: stop there.
    await page.waitForSelector(`#replay-seq:text-is("${String(firstSteps.seq as number)}")`, WAIT);
    await page.click('#replay-play');
    await page.waitForSelector('#replay-controls[data-state="paused"]', WAIT);
    expect(await seqShown(page)).toBeLessThan(last.seq as number);
    expect(await page.locator('#replay-chat li .text').allTextContents()).toEqual([]);
    await page.waitForSelector('#replay-members li[data-user-id="7"][data-x="2"][data-y="0"]', WAIT);

    // Play on at 16x: the line (shown as text), the last step, and the end.
    await page.selectOption('#replay-speed', '16');
    await page.click('#replay-play');
    await page.waitForSelector('#replay-controls[data-state="ended"]', WAIT);
    expect(await seqShown(page)).toBe(last.seq);
    await page.waitForSelector('#replay-members li[data-user-id="7"][data-x="2"][data-y="1"]', WAIT);
    expect(await page.locator('#replay-chat li .text').allTextContents()).toEqual(['<b>hello</b> from the past']);
    expect(await page.locator('#replay-chat b').count()).toBe(0);
    expect(await status(page)).toBe('ended');

    // The slider's start is the start of what is kept: the owner back at the spawn, paused there.
    await page.locator('#replay-slider').evaluate((s: HTMLInputElement) => {
      s.value = s.min;
      s.dispatchEvent(new Event('change'));
    });
    await page.waitForSelector('#replay-controls[data-state="paused"]', WAIT);
    await page.waitForSelector('#replay-members li[data-user-id="7"][data-x="0"][data-y="0"]', WAIT);
    expect(await page.locator('#replay-chat li').count()).toBe(0);
    await page.click('#replay-play');
    await page.waitForSelector('#replay-controls[data-state="ended"]', WAIT);
    await page.waitForSelector('#replay-members li[data-user-id="7"][data-x="2"][data-y="1"]', WAIT);
    await owner.close();
  });
});
