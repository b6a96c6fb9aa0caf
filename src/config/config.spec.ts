import { ConfigError, loadConfig } from './config';

const services = { REDIS_URL: 'redis://127.0.0.1:6379', MYSQL_URL: 'mysql://root@127.0.0.1:3306/myroom' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({ ...services });
    expect(c).toMatchObject({
      mode: 'services',
      port: 3000,
      host: '0.0.0.0',
      usingDevSecret: true,
      redis: { url: services.REDIS_URL, keyPrefix: 'myroom:' },
      ws: { maxPayload: 4096, pingIntervalMs: 15000, allowedOrigins: [] },
      rooms: { defaultWidth: 20, defaultHeight: 20, lockTtlMs: 3000, logLength: 1000 },
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

  it('requires a real JWT_SECRET in production and refuses short ones', () => {
    expect(() => loadConfig({ ...services, NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ ...services, JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
    const c = loadConfig({ ...services, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) });
    expect(c.usingDevSecret).toBe(false);
  });

  it('refuses half a services configuration', () => {
    expect(() => loadConfig({ REDIS_URL: services.REDIS_URL })).toThrow(/set both/);
    expect(() => loadConfig({ MYSQL_URL: services.MYSQL_URL })).toThrow(/set both/);
  });

  it('is in embedded mode when no service URL is set', () => {
    expect(loadConfig({}).mode).toBe('embedded');
  });
});
