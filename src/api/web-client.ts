import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Response } from 'express';
import type { Logger } from '../logging/logger';

/**
 * Where `npm run build` puts the bundled browser client (scripts/build-web.mjs). The same path
 * from src/api (tests run the TypeScript) and from dist/api (the built server).
 */
export const WEB_CLIENT_DIR = resolve(__dirname, '..', '..', 'dist', 'public');

/**
 * Serves the web client at `/`. /ws, /api, /health and /metrics are not files, so they pass
 * through. A bundle that appears later (npm run start:dev builds it after the server) is served too.
 */
export function serveWebClient(app: NestExpressApplication, log: Logger, dir = WEB_CLIENT_DIR): void {
  if (!existsSync(join(dir, 'index.html'))) {
    log.warn({ dir }, 'web client not built yet (npm run build or build:web): / answers 404 until it is');
  }
  app.useStaticAssets(dir, {
    index: 'index.html',
    // Revalidate on every load (ETag): a rebuilt client is picked up at once. The security
    // headers (CSP and the rest) are set for every route in http-security.ts.
    setHeaders: (res: Response) => {
      res.setHeader('Cache-Control', 'no-cache');
    },
  });
}
