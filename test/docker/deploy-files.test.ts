import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const ROOT = resolve(__dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  ports?: string[];
  volumes?: string[];
}

describe('docker/compose.yaml', () => {
  const compose = parse(read('docker/compose.yaml'), { merge: true }) as { services: Record<string, ComposeService> };
  const services = compose.services;
  const apps = ['app1', 'app2', 'app3'];

  it('brings up MySQL, Redis, RabbitMQ, three instances and the gateway', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['mysql', 'redis', 'rabbitmq', ...apps, 'gateway']));
  });

  it('builds every instance from docker/Dockerfile and points it at the services by name', () => {
    const ids = new Set<string>();
    for (const name of apps) {
      const app = services[name];
      expect(app.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
      const env = app.environment!;
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(new URL(env.MYSQL_URL).host).toBe('mysql:3306');
      expect(new URL(env.RABBITMQ_URL).host).toBe('rabbitmq:5672');
      expect(env.PORT).toBe('3000');
      expect(env.RUN_MIGRATIONS).toBe('false');
      // Compose refuses to start without the operator's secret; the server would too.
      expect(env.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?/);
      ids.add(env.INSTANCE_ID);
      expect(app.depends_on).toMatchObject({ migrate: { condition: 'service_completed_successfully' } });
    }
    expect([...ids].sort()).toEqual(apps);
    expect(services.migrate.command).toEqual(['node', 'dist/maps/seed.js']);
  });

  it('runs the gateway with docker/haproxy.cfg, whose servers are the three instances', () => {
    const gw = services.gateway;
    expect(gw.image).toMatch(/^haproxy:/);
    expect(gw.volumes).toContain('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    expect(gw.ports).toContain('8080:8080');
    const cfg = read('docker/haproxy.cfg');
    const servers = [...cfg.matchAll(/^\s*server\s+(\S+)\s+(\S+)/gm)].map((m) => [m[1], m[2]]);
    expect(servers).toEqual(apps.map((a) => [a, `${a}:3000`]));
    expect(cfg).toMatch(/^\s*balance leastconn$/m);
    // Room affinity (exercised in test/cluster/fanout.test.ts).
    expect(cfg).toMatch(/^\s*stick on url_param\(room\)$/m);
    expect(cfg).toMatch(/http-check send meth GET uri \/health\/ready/);
    expect(cfg).toMatch(/^\s*bind :8080$/m);
    // Per-address limits (exercised in gateway-limits.test.ts).
    expect(cfg).toMatch(/^\s*stick-table type ipv6 .*conn_rate\(10s\)/m);
    expect(cfg).toMatch(/^\s*http-request deny deny_status 429 if websocket_upgrade/m);
  });

  it('runs Jaeger all-in-one, every instance exporting its traces to it, and the README links it', () => {
    const jaeger = services.jaeger;
    expect(jaeger.image).toMatch(/^jaegertracing\/all-in-one:\d/);
    expect(jaeger.environment?.COLLECTOR_OTLP_ENABLED).toBe('true');
    expect(jaeger.ports).toContain('16686:16686');
    for (const name of apps) {
      const app = services[name];
      // OTLP over HTTP: the SDK's default protocol, on Jaeger's OTLP/HTTP port.
      expect(app.environment!.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
      expect(app.depends_on).toMatchObject({ jaeger: { condition: 'service_started' } });
    }
    const operations = read('README.md')
      .split(/^## Operations$/m)[1]
      .split(/^## /m)[0];
    expect(operations).toMatch(/^### Tracing$/m);
    expect(operations).toContain('http://localhost:16686');
  });

  it('the gateway configuration is valid HAProxy', async () => {
    const { stdout, stderr } = await promisify(execFile)('haproxy', ['-c', '-f', join(ROOT, 'docker/haproxy.cfg')]);
    expect(`${stdout}${stderr}`).toMatch(/Configuration file is valid/);
  });
});

describe('docker/Dockerfile', () => {
  const dockerfile = read('docker/Dockerfile').replace(/\\\n/g, ' ');
  const readme = read('README.md');
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

  it('installs, builds and starts with the commands the README gives', () => {
    const runs = [...dockerfile.matchAll(/^RUN (.*)$/gm)].map((m) => m[1]);
    const cmd = /^CMD (.*)$/m.exec(dockerfile)![1];
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    expect((JSON.parse(cmd) as string[]).join(' ')).toBe('node dist/main.js');
    for (const command of ['npm ci', 'npm run build', 'node dist/main.js']) expect(readme).toContain(command);
    expect(pkg.scripts.start).toBe('node dist/main.js');
    expect(pkg.scripts.build).toBeDefined();
  });

  it('is multi-stage and runs as an unprivileged user', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^COPY --from=build /m);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('copies into the build stage every file `npm ci` and `npm run build` read, and .dockerignore keeps none of them out', () => {
    const buildStage = dockerfile.split(/^FROM /m)[1];
    const copied = [...buildStage.matchAll(/^COPY (?!--from)(.*)$/gm)].flatMap((m) =>
      m[1].trim().split(/\s+/).slice(0, -1),
    );
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const needed = buildInputs(pkg.scripts.build);
    // The derivation must find the build's pieces, or this test would pass by checking nothing.
    expect(needed).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'nest-cli.json', 'tsconfig.json', 'src']),
    );
    expect(needed.some((p) => p.startsWith('scripts/'))).toBe(true);
    for (const path of needed) {
      expect(existsSync(join(ROOT, path))).toBe(true);
      expect({ path, copied: copied.some((src) => covers(src.replace(/\/$/, ''), path)) }).toEqual({
        path,
        copied: true,
      });
      expect({ path, ignored: ignored.filter((pattern) => covers(pattern.replace(/\/$/, ''), path)) }).toEqual({
        path,
        ignored: [],
      });
    }
  });
});

/** `dir` is `path` itself or one of its parent directories. */
function covers(dir: string, path: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/**
 * The repository paths a build command reads, from what it runs: `npm ci` needs the manifest and
 * the lock file; `nest build` reads nest-cli.json, the tsconfig it names and that tsconfig's
 * sources; `node <script>` reads the script (which reads only paths already listed here: it is
 * checked by a build of the image, not by this test); `npm run <x>` is followed.
 */
function buildInputs(command: string): string[] {
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  const paths = new Set(['package.json', 'package-lock.json']);
  for (const part of command.split('&&').map((p) => p.trim())) {
    const [tool, ...args] = part.split(/\s+/);
    if (tool === 'nest' && args[0] === 'build') {
      const cli = JSON.parse(read('nest-cli.json')) as {
        sourceRoot?: string;
        compilerOptions?: { tsConfigPath?: string };
      };
      const tsconfigPath = cli.compilerOptions?.tsConfigPath ?? 'tsconfig.build.json';
      const tsconfig = JSON.parse(read(tsconfigPath)) as { extends?: string; include?: string[] };
      paths.add('nest-cli.json').add(tsconfigPath);
      if (tsconfig.extends) paths.add(tsconfig.extends.replace(/^\.\//, ''));
      for (const glob of tsconfig.include ?? []) paths.add(glob.split('/')[0]);
      if (cli.sourceRoot) paths.add(cli.sourceRoot);
    } else if (tool === 'node') {
      paths.add(args[0]);
    } else if (tool === 'npm' && args[0] === 'run') {
      for (const p of buildInputs(pkg.scripts[args[1]])) paths.add(p);
    }
  }
  return [...paths].sort();
}
