import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import type { AppConfig } from '../config/config';

/**
 * The page loads only its own script and stylesheet (no inline script, style or handler: the
 * bundle in dist/public has none) and talks only to its own origin, the WebSocket included
 * (CSP Level 3 `'self'` covers ws:/wss: of the same host).
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * Security headers on every HTTP answer (pages, /api, /health, /metrics), CORS for /api from
 * ALLOWED_ORIGINS, and a small body limit. Call before the app starts listening; the app must be
 * created with `bodyParser: false` so that these parsers are the only ones.
 */
export function applyHttpSecurity(app: NestExpressApplication, config: AppConfig): void {
  // Not helmet's defaults: they allow inline styles, and their upgrade-insecure-requests
  // would send a plain-HTTP laptop setup's own requests to https, where nothing listens.
  const strict = helmet({ contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY } });
  // Swagger UI's page (/api/docs) carries inline styles it cannot do without; its scripts are
  // files, so it still runs no inline script.
  const docs = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...CONTENT_SECURITY_POLICY, styleSrc: ["'self'", "'unsafe-inline'"] },
    },
  });
  app.use((req: { url?: string }, res: unknown, next: () => void) =>
    ((req.url ?? '').startsWith('/api/docs') ? docs : strict)(req as never, res as never, next),
  );
  const allowed = config.ws.allowedOrigins;
  // Only /api is meant for other origins' scripts, and only for the listed ones; with no list,
  // browsers keep their same-origin rule (no CORS headers at all).
  app.enableCors((req: { url?: string; headers: { origin?: string } }, done) => {
    const origin = req.headers.origin;
    const allow = (req.url ?? '').startsWith('/api/') && origin !== undefined && allowed.includes(origin);
    // `origin: false` skips CORS entirely: a refused origin learns nothing, not even the methods.
    done(null, {
      origin: allow ? origin : false,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      maxAge: 600,
    });
  });
  // The API takes small JSON bodies (a user id); anything bigger is refused with 413.
  app.useBodyParser('json', { limit: config.http.maxBodyBytes });
  app.useBodyParser('urlencoded', { limit: config.http.maxBodyBytes, extended: false });
}
