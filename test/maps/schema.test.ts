import { loadConfig } from '../../src/config/config';
import { openDatabase } from '../../src/maps/data-source';
import { createTestEnv, testServerEnv, type TestEnv } from '../support/server';

describe('database schema', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => {
    await env.dropAll();
  });

  it('the migrations build exactly the schema the entities describe (no drift)', async () => {
    const ds = await openDatabase(loadConfig(testServerEnv(env)), true);
    try {
      const pending = await ds.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });
});
