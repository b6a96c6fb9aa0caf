/**
 * The chat panel in a real browser against the real server: lines go both ways, markup in a line
 * is shown as text (under the server's strict Content-Security-Policy), keys typed into the chat
 * do not walk the avatar, and a newcomer sees the history.
 */
import type { Page } from 'playwright-core';
import { browserBed } from '../support/browser';

const WAIT = { timeout: 15_000 };

jest.setTimeout(120_000);

describe('chat in the browser', () => {
  const bed = browserBed();
  const openAs = bed.openAs;

  const lineTexts = (page: Page) => page.locator('#chat-lines li .text').allTextContents();

  it('lines reach everyone as text, typing W/A/S/D in the chat does not walk, and newcomers get the history', async () => {
    const ann = await openAs(5, '5');
    const ben = await openAs(6, '5');
    await ann.waitForSelector('#members li[data-user-id="6"][data-x="0"][data-y="0"]', WAIT);

    // Typed into the chat input, W/A/S/D (and the arrows) are text, not steps; Enter sends.
    const attack = '<script>window.__chatPwned = 1</script><img src=x onerror="window.__chatPwned = 2"> wasd';
    await ben.click('#chat-input');
    await ben.keyboard.type(attack);
    await ben.keyboard.press('ArrowLeft');
    await ben.keyboard.press('Enter');
    await ben.waitForSelector('#chat-lines li[data-user-id="6"]', WAIT);
    expect(await ben.inputValue('#chat-input')).toBe('');
    await ann.waitForSelector('#chat-lines li[data-user-id="6"]', WAIT);
    for (const page of [ann, ben]) {
      expect(await lineTexts(page)).toEqual([attack]);
      expect(await page.locator('#chat-lines script, #chat-lines img').count()).toBe(0);
      expect(await page.evaluate(() => (window as { __chatPwned?: number }).__chatPwned)).toBeUndefined();
    }
    // Nobody moved: the only events were the line (and ann's page still has ben at the spawn).
    expect(await ben.locator('#members li[data-user-id="6"]').getAttribute('data-x')).toBe('0');
    expect(await ann.locator('#members li[data-user-id="6"]').getAttribute('data-x')).toBe('0');
    expect(await ben.locator('#room-seq').textContent()).toBe(
      await ben.locator('#chat-lines li').getAttribute('data-seq'),
    );

    // Outside the input the same keys walk again.
    await ben.click('#room-canvas');
    await ben.keyboard.press('d');
    await ben.waitForSelector('#members li[data-user-id="6"][data-x="1"][data-y="0"]', WAIT);

    await ann.fill('#chat-input', '  hello   ben  ');
    await ann.press('#chat-input', 'Enter');
    await ben.waitForSelector('#chat-lines li[data-user-id="5"]', WAIT);
    expect(await lineTexts(ben)).toEqual([attack, 'hello   ben']);

    // A spectator who comes later sees both lines, oldest first, and may talk too.
    const cat = await openAs(7, '5', 'spectator');
    await cat.waitForSelector('#chat-lines li[data-user-id="5"]', WAIT);
    expect(await lineTexts(cat)).toEqual([attack, 'hello   ben']);
    await cat.fill('#chat-input', 'hi from the stands');
    await cat.press('#chat-input', 'Enter');
    await ann.waitForSelector('#chat-lines li[data-user-id="7"]', WAIT);
    expect(await lineTexts(ann)).toEqual([attack, 'hello   ben', 'hi from the stands']);
  });
});
