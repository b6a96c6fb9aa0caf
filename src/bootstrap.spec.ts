import { describeMode } from './bootstrap';
import { loadConfig } from './config/config';

describe('describeMode: the start line naming the mode', () => {
  it('embedded: memory and the SQLite file', () => {
    expect(describeMode(loadConfig({ SQLITE_PATH: '/srv/r.sqlite' }))).toMatch(
      /^embedded single-instance mode: state in memory, maps in \/srv\/r\.sqlite/,
    );
  });

  it('services: where each service is, without passwords', () => {
    const line = describeMode(
      loadConfig({
        REDIS_URL: 'redis://:pw1@redis:6379',
        MYSQL_URL: 'mysql://root:pw2@db:3306/myroom',
        RABBITMQ_URL: 'amqp://u:pw3@mq:5672',
        JWT_SECRET: 's'.repeat(40),
      }),
    );
    expect(line).toMatch(
      /^services mode: state in Redis at redis:\/\/:\*\*\*@redis:6379, maps in MySQL at mysql:\/\/root:\*\*\*@db:3306\/myroom/,
    );
    expect(line).not.toMatch(/pw\d/);
  });
});
