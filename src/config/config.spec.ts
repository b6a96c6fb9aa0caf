import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('loadConfig: mode selection', () => {
  it('with nothing configured, runs embedded: memory state, the default SQLite file, demo data', () => {
    const c = loadConfig({});
    expect(c.mode).toBe('embedded');
    expect(c.sqlite.path).toBe(resolve('data/myroom.sqlite'));
    expect(c.seedDemoData).toBe(true);
    expect(c.usingDevSecret).toBe(true);
    expect(c.port).toBe(3000);
  });

  it('with REDIS_URL and MYSQL_URL, runs on the services and seeds nothing by itself', () => {
    const c = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', MYSQL_URL: 'mysql://root@127.0.0.1:3306/myroom' });
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
    expect(loadConfig({ SQLITE_PATH: 'var/x.db' }).sqlite.path).toBe(resolve('var/x.db'));
    expect(loadConfig({ SQLITE_PATH: '/srv/myroom.sqlite' }).sqlite.path).toBe('/srv/myroom.sqlite');
    expect(loadConfig({ SQLITE_PATH: ':memory:' }).sqlite.path).toBe(':memory:');
    expect(loadConfig({ SEED_DEMO_DATA: 'false' }).seedDemoData).toBe(false);
    expect(loadConfig({ REDIS_URL: 'redis://r', MYSQL_URL: 'mysql://m/db', SEED_DEMO_DATA: 'true' }).seedDemoData).toBe(true);
    expect(() => loadConfig({ SEED_DEMO_DATA: 'yes' })).toThrow(/SEED_DEMO_DATA/);
  });
});
