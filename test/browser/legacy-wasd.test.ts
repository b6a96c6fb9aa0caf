/**
 * The original clients' WASD page in a real browser (Debian's chromium, driven by playwright-core):
 * a minimal page speaking only the original frames at `/library`, served from a test-only static
 * server, walks with the keyboard; a v1 client in the same room sees every step.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { joinAs } from '../support/room';
import { startTestServer, type TestServer } from '../support/server';

const PAGE = readFileSync(join(__dirname, 'legacy-page', 'index.html'));
const WAIT = { timeout: 15_000 };

jest.setTimeout(120_000);

describe('the original WASD page at /library', () => {
  let server: TestServer;
  let pages: Server;
  let pagesUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    pages = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    });
    await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
    pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => pages?.close(r));
    await server?.close();
  });

  it("walks with WASD; a v1 client in the room sees each step, and the page sees the v1 client's", async () => {
    const [v1] = await joinAs(server, 2, 3);
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const query = new URLSearchParams({
      ws: `ws://127.0.0.1:${server.port}`,
      room: '3',
      token: server.token(7, 'Walker'),
      me: '7',
    });
    await page.goto(`${pagesUrl}?${query}`);
    await page.waitForSelector('#status:text("in room 3")', WAIT);
    expect(await v1.next((f) => f.type === 'entered')).toMatchObject({ member: { userId: '7', name: 'Walker' } });

    await page.keyboard.press('d');
    await v1.next((f) => f.type === 'moved' && f.userId === '7' && f.x === 1 && f.y === 0);
    await page.keyboard.press('d');
    await v1.next((f) => f.type === 'moved' && f.userId === '7' && f.x === 2 && f.y === 0);
    await page.keyboard.press('s');
    expect(await v1.next((f) => f.type === 'moved' && f.userId === '7' && f.y === 1)).toMatchObject({
      dir: 'down',
      x: 2,
      y: 1,
    });
    await page.waitForSelector('#me[data-x="2"][data-y="1"]', WAIT);

    await v1.request({ type: 'move', dir: 'down' });
    await page.waitForSelector('li[data-user="2"]:text("user2 (0,1)")', WAIT);
    expect(errors).toEqual([]);
    await v1.close();
  });
});
