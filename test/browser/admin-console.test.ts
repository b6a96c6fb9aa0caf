/**
 * The admin console (/admin) in a real browser (Debian's chromium through playwright-core) against
 * two instances in services mode sharing Redis, MySQL and RabbitMQ: the admin's page talks to A,
 * the players are on B. Assertions read the DOM (rows' and list items' data attributes), never
 * pixels; screenshots land in test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { adminToken } from '../support/api';
import { buildWebPages, launchChromium } from '../support/browser';
import { type ServerPair, startServerPair } from '../support/cluster-pair';
import { buildOk, joinAs, step, wall } from '../support/room';
import { startTestServer, type TestServer } from '../support/server';

const ROOT = resolve(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const WAIT = { timeout: 15_000 };

jest.setTimeout(180_000);

describe('admin console across two instances', () => {
  let pair: ServerPair;
  let a: TestServer;
  let b: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    buildWebPages();
    mkdirSync(ARTIFACTS, { recursive: true });
    pair = await startServerPair({
      // The console's demo admin; the test servers listen on 127.0.0.1, where it is allowed.
      DEV_ADMIN_TOKENS: 'true',
      RABBITMQ_STREAM_MAX_AGE: '10m',
      RABBITMQ_STREAM_MAX_BYTES: '20000000',
      RABBITMQ_STREAM_SEGMENT_BYTES: '1000000',
    });
    ({ a, b } = pair);
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await pair?.close();
  });

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  /** A fresh browser profile per person, under the server's Content-Security-Policy. */
  async function openPage(url: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
    });
    const response = await page.goto(url);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    return page;
  }

  it("refuses a token that is not an admin's, in plain words", async () => {
    const page = await openPage(`${a.url}/admin`);
    await page.fill('#token-input', a.token(2));
    await page.click('#token-form button[type="submit"]');
    await page.waitForSelector('#page-message:has-text("not an admin\'s")', WAIT);
    expect(await page.isVisible('#screen-overview')).toBe(false);
  });

  it('says why there is no demo admin when the server does not hand out admin dev tokens', async () => {
    const plain = await startTestServer({}, undefined, 'embedded');
    try {
      const page = await openPage(`${plain.url}/admin`);
      await page.waitForSelector('#demo-admin-text:has-text("DEV_ADMIN_TOKENS=true")', WAIT);
      expect(await page.isVisible('#demo-admin-button')).toBe(false);
      // A pasted admin token still works there.
      await page.fill('#token-input', adminToken());
      await page.click('#token-form button[type="submit"]');
      await page.waitForSelector(`#instances tr[data-instance-id="${plain.config.instanceId}"]`, WAIT);
    } finally {
      await plain.close();
    }
  });

  it('an admin on A watches a room live, kicks a player connected to B, and a notice reaches a player page on B', async () => {
    // Players, all on B: the room's owner (who builds), a visitor in the game client, a visitor
    // speaking the protocol, and someone alone in another room.
    const [owner] = await joinAs(b, 5, 5);
    await buildOk(owner, 0, [
      wall(4, 3),
      wall(5, 3),
      wall(6, 3),
      wall(7, 3),
      wall(4, 4),
      wall(4, 5),
      { op: 'place', kind: 'game', x: 9, y: 5, gameId: 5 },
      { op: 'place', kind: 'game', x: 12, y: 9, gameId: 6 },
    ]);
    const player = await openPage(`${b.url}/`);
    await player.click('#demo-users button[data-user-id="7"]', WAIT);
    await player.click('#room-list button[data-room-id="5"][data-as="player"]', WAIT);
    await player.waitForSelector('#conn-badge[data-state="in-room"]', WAIT);
    const [victim] = await joinAs(b, 6, 5);
    const [loner] = await joinAs(b, 9, 9);

    const admin = await openPage(`${a.url}/admin`);
    await admin.click('#demo-admin-button', WAIT);
    await admin.waitForSelector('#who:has-text("(admin)")', WAIT);
    // Both instances, each with its figures; rooms with the most players first.
    for (const id of [a.config.instanceId, b.config.instanceId])
      await admin.waitForSelector(`#instances tr[data-instance-id="${id}"]`, WAIT);
    await admin.waitForSelector(`#instances tr[data-instance-id="${b.config.instanceId}"][data-sessions="4"]`, WAIT);
    await admin.waitForSelector('#rooms tr[data-room-id="5"][data-players="3"]', WAIT);
    await admin.waitForSelector('#rooms tr[data-room-id="9"][data-players="1"]', WAIT);
    expect(
      await admin.locator('#rooms tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-room-id'))),
    ).toEqual(['5', '9']);
    expect(await admin.textContent('#total-players')).toBe('4');
    await admin.fill('#room-search', 'user9');
    await admin.waitForSelector('#rooms tr[data-room-id="5"]', { ...WAIT, state: 'detached' });
    expect(await admin.locator('#rooms tr[data-room-id]').count()).toBe(1);
    await admin.fill('#room-search', '');

    // The victim walks: the events/s figure and its line follow the seq, and the overview shows it.
    for (const dir of ['right', 'right', 'down'] as const) expect((await step(victim, dir)).type).toBe('moved');
    await admin.waitForFunction(() => Number(document.querySelector('#total-rate')?.textContent) > 0, undefined, WAIT);
    expect(await admin.getAttribute('#rate-line', 'points')).not.toBe('');

    // The room's page: the map as the game draws it, the members moving live, the events with their seq.
    await admin.click('#rooms button[data-open-room="5"]');
    await admin.waitForSelector('#conn-badge[data-state="in-room"]', WAIT);
    await admin.waitForSelector('#room-canvas[data-map-width]', WAIT);
    await admin.waitForSelector('#members li[data-user-id="6"][data-x="2"][data-y="1"]', WAIT);
    await admin.waitForSelector('#members li[data-user-id="7"] button[data-kick]', WAIT);
    // The owner is never kicked: no button.
    await admin.waitForSelector('#members li[data-user-id="5"]:has-text("owner")', WAIT);
    expect(await admin.locator('#members li[data-user-id="5"] button').count()).toBe(0);
    expect(await admin.getAttribute('#room-canvas', 'data-objects')).toContain('game#5@9,5');
    expect((await step(victim, 'left')).type).toBe('moved');
    await admin.waitForSelector('#members li[data-user-id="6"][data-x="1"][data-y="1"]', WAIT);
    const movedSeq = Number(await admin.getAttribute('#events li[data-type="moved"] >> nth=0', 'data-seq'));
    expect(movedSeq).toBeGreaterThan(0);
    // The console's own spectator session on A counts in the room's figures.
    await admin.waitForSelector(`#room-instances:has-text("${a.config.instanceId}, ${b.config.instanceId}")`, WAIT);
    expect(await admin.textContent('#room-spectators')).toBe('1');

    // A notice from the console reaches the player's page on the other instance.
    await admin.fill('#notice-input', 'Maintenance at 18:00');
    await admin.click('#notice-form button[type="submit"]');
    await admin.waitForSelector('#room-message:has-text("Notice sent")', WAIT);
    await player.waitForSelector('#room-message:has-text("Maintenance at 18:00")', WAIT);
    await admin.waitForSelector('#events li[data-type="notice"]:has-text("Maintenance at 18:00")', WAIT);
    expect(Number(await admin.getAttribute('#events li[data-type="notice"]', 'data-seq'))).toBeGreaterThan(movedSeq);
    await admin.screenshot({ path: join(ARTIFACTS, 'admin-room.png') });

    // The kick: B closes the victim's socket with 4003, and the console sees the avatar go.
    await admin.click('#members button[data-kick="6"]');
    expect(await victim.next((f) => f.type === 'kicked')).toMatchObject({ type: 'kicked', roomId: '5' });
    expect((await victim.closed).code).toBe(4003);
    await admin.waitForSelector('#members li[data-user-id="6"]', { ...WAIT, state: 'detached' });
    await admin.waitForSelector('#events li[data-type="left"]:has-text("kicked")', WAIT);
    await admin.waitForSelector('#room-message:has-text("removed from the room")', WAIT);
    await admin.waitForSelector('#events li[data-type="left"]:has-text("user6 left (kicked)")', WAIT);
    await player.waitForSelector('#members li[data-user-id="6"]', { ...WAIT, state: 'detached' });
    await admin.screenshot({ path: join(ARTIFACTS, 'admin-room-after-kick.png') });

    // Back to the overview: the room has one player fewer.
    await admin.click('#back');
    await admin.waitForSelector('#rooms tr[data-room-id="5"][data-players="2"]', WAIT);
    // The figures follow without a reload: each burst of steps shows in room 9's seq.
    let seq = Number(await admin.getAttribute('#rooms tr[data-room-id="9"]', 'data-seq'));
    for (const burst of [2, 5, 3, 8, 4, 6]) {
      for (let i = 0; i < burst; i++) expect((await step(loner, i % 2 === 0 ? 'right' : 'left')).type).toBe('moved');
      seq += burst;
      await admin.waitForSelector(`#rooms tr[data-room-id="9"][data-seq="${seq}"]`, WAIT);
    }
    await admin.screenshot({ path: join(ARTIFACTS, 'admin-overview.png') });
    await Promise.all([owner.close(), loner.close()]);
  });

  it('drains the other instance after a confirmation; B leaves the list', async () => {
    const admin = await openPage(`${a.url}/admin`);
    await admin.click('#demo-admin-button', WAIT);
    const rowB = `#instances tr[data-instance-id="${b.config.instanceId}"]`;
    await admin.waitForSelector(rowB, WAIT);
    // Cancelled: nothing happens.
    await admin.click(`${rowB} button[data-drain]`);
    await admin.waitForSelector('#drain-dialog[open]', WAIT);
    await admin.click('#drain-dialog button[value="cancel"]');
    await admin.waitForSelector('#drain-dialog:not([open])', { ...WAIT, state: 'attached' });
    await admin.waitForSelector(`${rowB}[data-draining="false"]`, WAIT);

    await admin.click(`${rowB} button[data-drain]`);
    await admin.waitForSelector(`#drain-target:has-text("${b.config.instanceId}")`, WAIT);
    await admin.click('#drain-confirm');
    await admin.waitForSelector('#page-message:has-text("is draining")', WAIT);
    await b.closed;
    await admin.waitForSelector(rowB, { ...WAIT, state: 'detached' });
    await admin.waitForSelector(`#instances tr[data-instance-id="${a.config.instanceId}"]`, WAIT);
  });
});
