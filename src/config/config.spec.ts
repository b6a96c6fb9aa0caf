import { resolve } from 'node:path';
import { ConfigError, type EmbeddedConfig, loadConfig } from './config';

function embeddedConfig(env: Record<string, string>): EmbeddedConfig {
  const c = loadConfig(env);
  if (c.mode !== 'embedded') throw new Error(`expected embedded mode, got ${c.mode}`);
  return c;
}

const services = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  MYSQL_URL: 'mysql://root@127.0.0.1:3306/myroom',
  JWT_SECRET: 's'.repeat(40),
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({ ...services });
    expect(c).toMatchObject({
      mode: 'services',
      port: 3000,
      host: '0.0.0.0',
      auth: { usingDevSecret: false, devTokens: false, devAdminTokens: false },
      http: { maxBodyBytes: 16 * 1024 },
      redis: { url: services.REDIS_URL, keyPrefix: 'myroom:' },
      ws: { maxPayload: 4096, pingIntervalMs: 15000, allowedOrigins: [] },
      rooms: {
        defaultWidth: 20,
        defaultHeight: 20,
        lockTtlMs: 3000,
        logLength: 1000,
        chatRateLines: 5,
        chatRateWindowMs: 10_000,
      },
      runMigrations: true,
    });
    expect(c.instanceId).toMatch(/\S+/);
  });

  it('parses numbers, lists and flags from strings', () => {
    const c = loadConfig({
      ...services,
      PORT: '8080',
      WS_MAX_PAYLOAD: '8192',
      ALLOWED_ORIGINS: ' https://a.example , https://b.example,',
      RUN_MIGRATIONS: 'false',
      INSTANCE_ID: 'node-1',
    });
    expect(c.port).toBe(8080);
    expect(c.ws.maxPayload).toBe(8192);
    expect(c.ws.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.runMigrations).toBe(false);
    expect(c.instanceId).toBe('node-1');
  });

  it('names every bad variable in one error', () => {
    let err: unknown;
    try {
      loadConfig({ ...services, PORT: 'eighty', WS_MAX_PAYLOAD: '-1', LOG_LEVEL: 'loud', REDIS_URL: 'http://nope' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const name of ['PORT', 'WS_MAX_PAYLOAD', 'LOG_LEVEL', 'REDIS_URL']) expect(msg).toContain(name);
  });

  it('takes a send window of 0 (the default: per turn) to 1000 ms, at most half the ping interval', () => {
    expect(loadConfig({ ...services }).ws.sendWindowMs).toBe(0);
    expect(loadConfig({ ...services, WS_SEND_WINDOW_MS: '20' }).ws.sendWindowMs).toBe(20);
    for (const bad of ['-1', '1001', '2.5', 'soon']) {
      expect(() => loadConfig({ ...services, WS_SEND_WINDOW_MS: bad })).toThrow(/WS_SEND_WINDOW_MS/);
    }
    expect(() => loadConfig({ ...services, WS_SEND_WINDOW_MS: '600', WS_PING_INTERVAL_MS: '1000' })).toThrow(
      /WS_SEND_WINDOW_MS: must be at most half of WS_PING_INTERVAL_MS/,
    );
    expect(loadConfig({ ...services, WS_SEND_WINDOW_MS: '500', WS_PING_INTERVAL_MS: '1000' }).ws.sendWindowMs).toBe(
      500,
    );
  });

  it('orders the slow-consumer marks: low < soft < hard (WS_MAX_BUFFERED_BYTES)', () => {
    expect(loadConfig({ ...services }).ws.backlog).toEqual({
      lowBytes: 64 * 1024,
      softBytes: 256 * 1024,
      hardBytes: 1024 * 1024,
      cutAfterMs: 10_000,
    });
    const bad = () => loadConfig({ ...services, WS_LOW_BUFFERED_BYTES: '300000', WS_SOFT_BUFFERED_BYTES: '200000' });
    expect(bad).toThrow(/WS_LOW_BUFFERED_BYTES: must be less than WS_SOFT_BUFFERED_BYTES/);
    expect(() => loadConfig({ ...services, WS_MAX_BUFFERED_BYTES: '131072' })).toThrow(
      /WS_SOFT_BUFFERED_BYTES: must be less than WS_MAX_BUFFERED_BYTES/,
    );
  });

  it('reads REPLAY_RETENTION as a duration (default 24h) and refuses other shapes', () => {
    expect(loadConfig({ ...services }).history).toEqual({ retentionMs: 24 * 3_600_000 });
    expect(loadConfig({ ...services, REPLAY_RETENTION: '90s' }).history.retentionMs).toBe(90_000);
    expect(loadConfig({ ...services, REPLAY_RETENTION: '7d' }).history.retentionMs).toBe(7 * 86_400_000);
    for (const bad of ['24', 'h', '0h', '1.5h', '2w', '500ms', '400d'])
      expect(() => loadConfig({ ...services, REPLAY_RETENTION: bad })).toThrow(/REPLAY_RETENTION/);
  });

  it('bounds MySQL waits with MYSQL_TIMEOUT_MS (3 s by default, 100 ms to 10 min)', () => {
    const c = loadConfig(services);
    expect(c.mode === 'services' && c.mysql.timeoutMs).toBe(3000);
    const set = loadConfig({ ...services, MYSQL_TIMEOUT_MS: '1500' });
    expect(set.mode === 'services' && set.mysql.timeoutMs).toBe(1500);
    expect(() => loadConfig({ ...services, MYSQL_TIMEOUT_MS: '50' })).toThrow(/MYSQL_TIMEOUT_MS/);
    expect(() => loadConfig({ ...services, MYSQL_TIMEOUT_MS: 'soon' })).toThrow(/MYSQL_TIMEOUT_MS/);
  });

  it('refuses short secrets', () => {
    expect(() => loadConfig({ ...services, JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
  });

  it('refuses half a services configuration', () => {
    expect(() => loadConfig({ REDIS_URL: services.REDIS_URL })).toThrow(/set both/);
    expect(() => loadConfig({ MYSQL_URL: services.MYSQL_URL })).toThrow(/set both/);
  });

  it('is in embedded mode when no service URL is set', () => {
    expect(loadConfig({}).mode).toBe('embedded');
  });
});

describe('loadConfig: mode selection', () => {
  it('with nothing configured, runs embedded: memory state, the default SQLite file, demo data', () => {
    const c = embeddedConfig({});
    expect(c.mode).toBe('embedded');
    expect(c.sqlite.path).toBe(resolve('data/myroom.sqlite'));
    expect(c.seedDemoData).toBe(true);
    expect(c.auth.usingDevSecret).toBe(true);
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(3000);
  });

  it('with REDIS_URL and MYSQL_URL, runs on the services and seeds nothing by itself', () => {
    const c = loadConfig(services);
    expect(c.mode).toBe('services');
    expect(c.seedDemoData).toBe(false);
  });

  it('refuses one of the two URLs without the other', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(ConfigError);
    expect(() => loadConfig({ MYSQL_URL: 'mysql://root@127.0.0.1:3306/myroom' })).toThrow(/set both/);
  });

  it('treats empty URLs as unset', () => {
    expect(loadConfig({ REDIS_URL: '', MYSQL_URL: ' ' }).mode).toBe('embedded');
  });

  it('takes SQLITE_PATH (made absolute, or :memory:) and an explicit SEED_DEMO_DATA', () => {
    expect(embeddedConfig({ SQLITE_PATH: 'var/x.db' }).sqlite.path).toBe(resolve('var/x.db'));
    expect(embeddedConfig({ SQLITE_PATH: '/srv/myroom.sqlite' }).sqlite.path).toBe('/srv/myroom.sqlite');
    expect(embeddedConfig({ SQLITE_PATH: ':memory:' }).sqlite.path).toBe(':memory:');
    expect(loadConfig({ SEED_DEMO_DATA: 'false' }).seedDemoData).toBe(false);
    expect(loadConfig({ ...services, SEED_DEMO_DATA: 'true' }).seedDemoData).toBe(true);
    expect(() => loadConfig({ SEED_DEMO_DATA: 'yes' })).toThrow(/SEED_DEMO_DATA/);
  });
});
