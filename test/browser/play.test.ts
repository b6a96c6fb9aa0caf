/**
 * The web client in a real browser (Debian's chromium, driven by playwright-core) against the
 * real server: people sign in, enter a room, walk with the keyboard, build, get replaced and
 * reconnect. Assertions read the DOM (members list, the canvas's data attributes, the badge),
 * never pixels; screenshots land in test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { connectNode } from '../../src/client/node';
import { browserBed } from '../support/browser';
import { startTestServer, type TestServer } from '../support/server';
import { TcpProxy } from '../support/tcp-proxy';

const ROOT = resolve(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const WAIT = { timeout: 15_000 };

jest.setTimeout(120_000);

describe('playing in the browser', () => {
  const bed = browserBed();
  const openPage = bed.openPage;

  beforeAll(() => {
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  async function signInAsDemoUser(page: Page, userId: number): Promise<void> {
    await page.click(`#demo-users button[data-user-id="${userId}"]`, WAIT);
    await page.waitForSelector('#room-list button[data-as="player"]', WAIT);
  }

  async function enterRoom(page: Page, roomId: string, as: 'player' | 'spectator' = 'player'): Promise<void> {
    await page.click(`#room-list button[data-room-id="${roomId}"][data-as="${as}"]`, WAIT);
    await page.waitForSelector('#conn-badge[data-state="in-room"]', WAIT);
  }

  const member = (page: Page, userId: number, x: number, y: number) =>
    page.waitForSelector(`#members li[data-user-id="${userId}"][data-x="${x}"][data-y="${y}"]`, WAIT);

  const mapVersion = (page: Page, version: number) =>
    page.waitForSelector(`#room-canvas[data-map-version="${version}"]`, WAIT);

  const objectsOf = (page: Page) => page.locator('#room-canvas').getAttribute('data-objects');

  async function clickCell(page: Page, x: number, y: number): Promise<void> {
    const canvas = page.locator('#room-canvas');
    const cell = Number(await canvas.getAttribute('data-cell-size'));
    await canvas.click({ position: { x: (x + 0.5) * cell, y: (y + 0.5) * cell } });
  }

  async function place(page: Page, palette: string, cells: [number, number][]): Promise<void> {
    await page.click(`#palette button${palette}`);
    for (const [x, y] of cells) await clickCell(page, x, y);
  }

  it('two players: one walks with the keyboard and the other sees it; the owner builds and both see it', async () => {
    const owner = await openPage();
    const guest = await openPage();
    await signInAsDemoUser(owner, 3);
    await signInAsDemoUser(guest, 4);
    await enterRoom(owner, '3');
    await enterRoom(guest, '3');
    await member(owner, 4, 0, 0);
    await member(guest, 3, 0, 0);
    expect(await guest.locator('#members li.me').getAttribute('data-user-id')).toBe('4');
    expect(await guest.isVisible('#build-panel')).toBe(false);

    // A refused step: the avatar stays where the server has it, and the page says why.
    await guest.keyboard.press('ArrowLeft');
    await guest.waitForSelector('#room-message:has-text("You cannot walk there")', WAIT);
    await member(guest, 4, 0, 0);

    // Walk with the arrows and with W/A/S/D; the owner's page follows from the server's events.
    for (const [key, x, y] of [
      ['ArrowRight', 1, 0],
      ['ArrowRight', 2, 0],
      ['s', 2, 1],
      ['d', 3, 1],
      ['KeyA', 2, 1],
    ] as const) {
      await guest.keyboard.press(key);
      await member(guest, 4, x, y);
    }
    await member(owner, 4, 2, 1);
    await owner.keyboard.press('ArrowDown');
    await member(guest, 3, 0, 1);
    expect(await guest.isVisible('#room-message')).toBe(false);

    // The owner builds: walls (one where the guest stands) and two games, saved as one build.
    await owner.click('#build-toggle');
    await place(owner, '[data-kind="wall"]', [
      [2, 1],
      [5, 5],
      [6, 5],
      [7, 5],
      [8, 5],
      [5, 6],
      [5, 7],
      [13, 9],
    ]);
    await place(owner, '[data-game-id="3"]', [[7, 7]]);
    await place(owner, '[data-game-id="5"]', [[11, 2]]);
    await clickCell(owner, 13, 9); // a second click takes a placement back
    await owner.waitForSelector('#draft-summary:has-text("Unsaved: 9 to place, 0 to remove (on map version 0)")', WAIT);
    await owner.click('#build-save');
    await mapVersion(owner, 1);
    await mapVersion(guest, 1);
    const built = 'game#3@7,7 game#5@11,2 wall@2,1 wall@5,5 wall@5,6 wall@5,7 wall@6,5 wall@7,5 wall@8,5';
    expect(await objectsOf(owner)).toBe(built);
    expect(await objectsOf(guest)).toBe(built);
    expect(await guest.locator('#room-canvas').getAttribute('aria-label')).toContain('games: Checkers, Mahjong');
    // The guest stood on (2,1): the server pushed them to the nearest free cell, both pages agree.
    await member(guest, 4, 2, 0);
    await member(owner, 4, 2, 0);
    await owner.waitForSelector('#room-message:has-text("the map is now at version 1")', WAIT);

    // Click an object to remove it; save; both see it gone.
    await clickCell(owner, 8, 5);
    await owner.click('#build-save');
    await mapVersion(guest, 2);
    expect(await objectsOf(guest)).toBe(built.replace(' wall@8,5', ''));

    // Somebody else (the owner's bot, here) builds first: the page's save hits CONFLICT, reloads, says so.
    await clickCell(owner, 15, 15);
    const bot = await connectNode({ url: bed.server.wsUrl, token: bed.server.token(3) });
    await bot.enter('3', { as: 'spectator' });
    await bot.build(2, [{ op: 'place', kind: 'wall', x: 16, y: 3 }]);
    bot.close();
    await mapVersion(owner, 3);
    await owner.waitForSelector('#draft-summary:has-text("The room has changed since you started")', WAIT);
    await owner.click('#build-save');
    await owner.waitForSelector('#room-message:has-text("This room was changed while you were building")', WAIT);
    await owner.waitForSelector('#draft-summary:has-text("No changes yet.")', WAIT);
    expect(await objectsOf(owner)).toContain('wall@16,3');
    expect(await objectsOf(owner)).not.toContain('wall@15,15');
    await mapVersion(guest, 3);

    // After the reload the owner builds on the new version, and it saves.
    await place(owner, '[data-game-id="4"]', [[14, 12]]);
    await owner.click('#build-save');
    await mapVersion(guest, 4);
    expect(await objectsOf(guest)).toContain('game#4@14,12');
    await owner.waitForSelector('#room-message:has-text("the map is now at version 4")', WAIT);

    // The room as each of them sees it: same seq; the owner still building, a wall under the mouse.
    await guest.keyboard.press('d');
    await member(owner, 4, 3, 0);
    await member(guest, 4, 3, 0);
    expect(Number(await guest.textContent('#room-seq'))).toBeGreaterThan(0);
    expect(await guest.textContent('#room-seq')).toBe(await owner.textContent('#room-seq'));
    await owner.click('#palette button[data-kind="wall"]');
    const cell = Number(await owner.locator('#room-canvas').getAttribute('data-cell-size'));
    const box = (await owner.locator('#room-canvas').boundingBox())!;
    await owner.mouse.move(box.x + 9.5 * cell, box.y + 5.5 * cell);
    await guest.screenshot({ path: join(ARTIFACTS, 'play-guest.png') });
    await owner.screenshot({ path: join(ARTIFACTS, 'play-owner-building.png') });
  });

  it('a spectator watches without an avatar; a second tab of the same user replaces the first', async () => {
    const player = await openPage();
    await signInAsDemoUser(player, 6);
    await enterRoom(player, '3');
    const watcher = await openPage();
    await signInAsDemoUser(watcher, 7);
    await enterRoom(watcher, '3', 'spectator');
    await member(watcher, 6, 0, 0);
    expect(await watcher.locator('#members li[data-user-id="7"]').count()).toBe(0);
    expect(await watcher.textContent('#your-role')).toContain('watching');
    await watcher.keyboard.press('ArrowRight');
    await watcher.waitForSelector('#room-message:has-text("spectator")', WAIT);

    // The same user in another tab: the first tab lets go and says so.
    const secondTab = await openPage();
    await signInAsDemoUser(secondTab, 6);
    await enterRoom(secondTab, '3');
    await player.waitForSelector('#conn-badge[data-state="replaced"]:has-text("Replaced by another tab")', WAIT);
    await player.waitForSelector('#replaced-panel:visible', WAIT);
    await secondTab.keyboard.press('ArrowDown');
    await member(watcher, 6, 0, 1);
    expect(await player.getAttribute('#conn-badge', 'data-state')).toBe('replaced');

    // ...and can take the avatar back.
    await player.click('#take-over');
    await player.waitForSelector('#conn-badge[data-state="in-room"]', WAIT);
    await secondTab.waitForSelector('#conn-badge[data-state="replaced"]', WAIT);
    await player.screenshot({ path: join(ARTIFACTS, 'play-took-over.png') });

    // Leaving takes the avatar out for everyone and goes back to the room list.
    await player.click('#leave-room');
    await player.waitForSelector('#screen-lobby:visible', WAIT);
    await watcher.waitForSelector('#members li[data-user-id="6"]', { ...WAIT, state: 'detached' });
  });

  it('signs in with a pasted token, reconnects after the network drops, and signs out when the token is refused', async () => {
    const proxy = await TcpProxy.start(bed.server.port);
    let otherServer: TestServer | undefined;
    try {
      const page = await openPage(`http://127.0.0.1:${proxy.port}`);
      await page.fill('#token-input', bed.server.token(8));
      await page.click('#token-form button[type="submit"]');
      await page.waitForSelector('#who:has-text("Signed in as user8")', WAIT);
      await enterRoom(page, '8');
      await page.keyboard.press('ArrowRight');
      await member(page, 8, 1, 0);
      const seqBefore = Number(await page.textContent('#room-seq'));

      // The network drops and the server stays out of reach for a while: the page keeps trying.
      proxy.refuse(true);
      proxy.dropAll();
      await page.waitForSelector('#conn-badge[data-state="reconnecting"]', WAIT);
      await page.waitForSelector('#conn-detail:has-text("Still cannot reach the room")', WAIT);
      await page.locator('#conn-detail', { hasText: /\(attempt (?:[2-9]|\d{2,})\)/ }).waitFor(WAIT);
      proxy.refuse(false);
      await page.waitForSelector('#conn-badge[data-state="in-room"]', WAIT);
      // Back in: the server took the old avatar out and put the new one on the spawn cell.
      await member(page, 8, 0, 0);
      expect(Number(await page.textContent('#room-seq'))).toBeGreaterThan(seqBefore);
      await page.keyboard.press('ArrowDown');
      await member(page, 8, 0, 1);

      // Now the server answering has another secret: the token is refused, the page signs out.
      otherServer = await startTestServer({ JWT_SECRET: 'another-secret-0123456789-0123456789-xyz' });
      proxy.retarget(otherServer.port);
      proxy.dropAll();
      await page.waitForSelector('#screen-sign-in:visible', WAIT);
      await page.waitForSelector('#page-message:has-text("Your sign-in is no longer valid")', WAIT);
    } finally {
      await proxy.close();
      await otherServer?.close();
    }
  });

  it('says so when the room asked for does not exist', async () => {
    const page = await openPage();
    await signInAsDemoUser(page, 9);
    await page.fill('#room-input', 'no-such-room');
    await page.click('#enter-form button[value="player"]');
    await page.waitForSelector('#conn-badge[data-state="failed"]', WAIT);
    await page.waitForSelector('#failed-text:has-text("There is no such room.")', WAIT);
    await page.click('#leave-room');
    await page.waitForSelector('#screen-lobby:visible', WAIT);
  });

  it('refuses a pasted token that is not valid, in plain words', async () => {
    const page = await openPage();
    await page.fill('#token-input', 'not-a-token');
    await page.click('#token-form button[type="submit"]');
    await page.waitForSelector('#page-message:has-text("That token was not accepted")', WAIT);
  });
});
