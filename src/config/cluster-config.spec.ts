import { ConfigError, loadConfig, type ServicesConfig } from './config';

const services = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  MYSQL_URL: 'mysql://root@127.0.0.1:3306/x',
  JWT_SECRET: 's'.repeat(40),
};

function servicesConfig(env: Record<string, string>): ServicesConfig {
  const c = loadConfig(env);
  if (c.mode !== 'services') throw new Error(`expected services mode, got ${c.mode}`);
  return c;
}

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...services, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration of streams, leases and drain', () => {
  it('has defaults that fit the documented behaviour', () => {
    const c = servicesConfig(services);
    expect(c.streams).toEqual({
      prefix: 'myroom',
      partitions: 1,
      maxAge: '1h',
      maxBytes: 1_000_000_000,
      segmentBytes: 50_000_000,
      prefetch: 1000,
      batchMax: 256,
      batchLingerMs: 0,
      publishUnread: false,
    });
    expect(c.presence).toEqual({ leaseTtlMs: 1500, heartbeatMs: 300, reapIntervalMs: 200 });
    expect(c.drainGraceMs).toBe(2000);
    expect(c.rabbitmq.url).toBeUndefined();
  });

  it('reads every variable', () => {
    const c = servicesConfig({
      ...services,
      RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
      RABBITMQ_STREAM_PREFIX: 't.abc',
      RABBITMQ_STREAM_PARTITIONS: '32',
      RABBITMQ_STREAM_MAX_AGE: '7D',
      RABBITMQ_STREAM_MAX_BYTES: '2000000',
      RABBITMQ_STREAM_SEGMENT_BYTES: '1000000',
      RABBITMQ_PREFETCH: '50',
      RABBITMQ_PUBLISH_UNREAD: 'true',
      INSTANCE_LEASE_TTL_MS: '6000',
      INSTANCE_HEARTBEAT_MS: '2000',
      REAPER_INTERVAL_MS: '250',
      DRAIN_GRACE_MS: '0',
    });
    expect(c.rabbitmq.url).toBe('amqp://guest:guest@127.0.0.1:5672');
    expect(c.streams).toEqual({
      prefix: 't.abc',
      partitions: 32,
      maxAge: '7D',
      maxBytes: 2_000_000,
      segmentBytes: 1_000_000,
      prefetch: 50,
      batchMax: 256,
      batchLingerMs: 0,
      publishUnread: true,
    });
    expect(c.presence).toEqual({ leaseTtlMs: 6000, heartbeatMs: 2000, reapIntervalMs: 250 });
    expect(c.drainGraceMs).toBe(0);
  });

  it('names every bad variable at once', () => {
    const bad = problems({
      RABBITMQ_STREAM_PREFIX: 'has space',
      RABBITMQ_STREAM_PARTITIONS: '0',
      RABBITMQ_STREAM_MAX_AGE: '1 hour',
      RABBITMQ_PREFETCH: '0',
      RABBITMQ_PUBLISH_UNREAD: 'yes',
    });
    expect(bad.map((p) => p.split(':')[0]).sort()).toEqual([
      'RABBITMQ_PREFETCH',
      'RABBITMQ_PUBLISH_UNREAD',
      'RABBITMQ_STREAM_MAX_AGE',
      'RABBITMQ_STREAM_PARTITIONS',
      'RABBITMQ_STREAM_PREFIX',
    ]);
  });

  it('refuses settings that contradict each other', () => {
    expect(problems({ INSTANCE_LEASE_TTL_MS: '3000', INSTANCE_HEARTBEAT_MS: '2000' })).toEqual([
      expect.stringMatching(/^INSTANCE_HEARTBEAT_MS: must be at most half/),
    ]);
    expect(problems({ SHUTDOWN_TIMEOUT_MS: '1000', DRAIN_GRACE_MS: '1000' })).toEqual([
      expect.stringMatching(/^DRAIN_GRACE_MS: must be less than SHUTDOWN_TIMEOUT_MS/),
    ]);
    expect(problems({ RABBITMQ_STREAM_MAX_BYTES: '1000000', RABBITMQ_STREAM_SEGMENT_BYTES: '2000000' })).toEqual([
      expect.stringMatching(/^RABBITMQ_STREAM_SEGMENT_BYTES/),
    ]);
    expect(problems({ RABBITMQ_URL: 'http://broker' })).toEqual([expect.stringMatching(/^RABBITMQ_URL/)]);
  });
});

describe('WORKERS', () => {
  it('is one by default, and several in services mode with the broker', () => {
    expect(servicesConfig(services).workers).toBe(1);
    expect(servicesConfig({ ...services, RABBITMQ_URL: 'amqp://127.0.0.1', WORKERS: '4' }).workers).toBe(4);
  });

  it('is refused above one in embedded mode, or without the broker, saying why', () => {
    expect(() => loadConfig({ WORKERS: '2' })).toThrow(/WORKERS: embedded mode runs as one process/);
    expect(problems({ WORKERS: '2' })).toEqual([expect.stringMatching(/^WORKERS: several workers need RABBITMQ_URL/)]);
    expect(problems({ WORKERS: '0' })[0]).toMatch(/^WORKERS/);
  });
});
