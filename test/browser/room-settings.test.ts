/**
 * The owner's controls in a real browser against the real server: the member list's kick and ban
 * buttons (visitors see none), and the settings panel that makes the room private.
 */
import { adminToken, api } from '../support/api';
import { browserBed } from '../support/browser';
import { connectAs, joinAs } from '../support/room';

const WAIT = { timeout: 15_000 };

jest.setTimeout(120_000);

describe('room settings in the browser', () => {
  const bed = browserBed();
  const openAs = bed.openAs;

  it('the owner kicks and bans from the member list; visitors get no such buttons', async () => {
    const owner = await openAs(5, '5');
    const [kicked] = await joinAs(bed.server, 6, 5);
    const [banned] = await joinAs(bed.server, 7, 5);
    await owner.waitForSelector('#members li[data-user-id="7"]', WAIT);
    expect(await owner.locator('#members li[data-user-id="5"] button').count()).toBe(0);

    await owner.click('#members li[data-user-id="6"] button[data-action="kick"]');
    expect((await kicked.closed).code).toBe(4003);
    await owner.waitForSelector('#members li[data-user-id="6"]', { state: 'detached', ...WAIT });

    await owner.click('#members li[data-user-id="7"] button[data-action="ban"]');
    expect((await banned.closed).code).toBe(4003);
    const again = await connectAs(bed.server, 7);
    expect(await again.request({ type: 'enter', roomId: '5' })).toMatchObject({ code: 'FORBIDDEN' });
    await again.close();

    const visitor = await openAs(8, '5');
    await visitor.waitForSelector('#members li[data-user-id="5"]', WAIT);
    expect(await visitor.locator('#members button').count()).toBe(0);
    expect(await visitor.locator('#access-panel').isHidden()).toBe(true);
  });

  it('the settings panel makes the room private to the invited users', async () => {
    const owner = await openAs(9, '9');
    await owner.waitForSelector('#access-panel:not([hidden])', WAIT);
    await owner.selectOption('#access-mode', 'private');
    await owner.fill('#access-allow', '3, 4');
    await owner.click('#access-save');
    await owner.waitForSelector('#room-message:has-text("private")', WAIT);
    const access = await api(bed.server.url, 'GET', '/api/rooms/9/access', { token: adminToken() });
    expect(access.body).toMatchObject({ mode: 'private', allow: ['3', '4'] });
    const stranger = await connectAs(bed.server, 2);
    expect(await stranger.request({ type: 'enter', roomId: '9' })).toMatchObject({ code: 'FORBIDDEN' });
    await stranger.close();
  });
});
