import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from './server';

const ROOT = resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The server serves dist/public: build the pages from the current sources. */
export function buildWebPages(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * Debian's chromium, headless, on a fresh temporary profile that close() removes. The flags keep
 * it from reaching out to the network (this machine's is closed) and from needing a GPU or sandbox.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (bash .ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const WAIT = { timeout: 15_000 };

/** A Chromium against a fresh test server, for one describe block (see browserBed). */
export interface BrowserBed {
  readonly server: TestServer;
  readonly browser: Browser;
  /**
   * A page in a fresh browser profile (its own storage: one person), opened on the server's start
   * page. A script error in it, or anything the Content-Security-Policy blocks, fails the test.
   */
  openPage(baseUrl?: string): Promise<Page>;
  /** openPage, then sign in as a demo user and enter the room from the lobby. */
  openAs(userId: number, roomId: string, as?: 'player' | 'spectator'): Promise<Page>;
}

/**
 * Starts the pages' build, a test server and Chromium before the describe block's tests, checks
 * after each test that no page reported an error, and closes everything after the block.
 */
export function browserBed(): BrowserBed {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    buildWebPages();
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  const bed: BrowserBed = {
    get server() {
      if (!server) throw new Error('the test server is not up yet (use the bed inside tests)');
      return server;
    },
    get browser() {
      if (!browser) throw new Error('the browser is not up yet (use the bed inside tests)');
      return browser;
    },
    async openPage(baseUrl = bed.server.url) {
      const context = await bed.browser.newContext({ viewport: { width: 1280, height: 860 } });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
      });
      const response = await page.goto(baseUrl + '/');
      expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
      return page;
    },
    async openAs(userId, roomId, as = 'player') {
      const page = await bed.openPage();
      await page.click(`#demo-users button[data-user-id="${userId}"]`, WAIT);
      await page.click(`#room-list button[data-room-id="${roomId}"][data-as="${as}"]`, WAIT);
      await page.waitForSelector('#conn-badge[data-state="in-room"]', WAIT);
      return page;
    },
  };
  return bed;
}
