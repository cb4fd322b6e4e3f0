import fastifyStatic from '@fastify/static';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Paths the api owns: the SPA fallback never answers under them. */
export const API_OWNED_PREFIXES = ['/api', '/docs', '/health', '/metrics', '/socket.io'];

/**
 * Where `vite build` put the web client (`dist/web`): under the working directory, or above the
 * compiled api (dist/apps/api/apps/api/src → dist/web) / its sources (apps/api/src → dist/web).
 */
export function findWebRoot(start: string = __dirname): string | undefined {
  const candidates = [resolve(process.cwd(), 'dist', 'web')];
  let dir = start;
  for (let depth = 0; depth < 8; depth += 1) {
    candidates.push(join(dir, 'dist', 'web'));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return candidates.find((candidate) => existsSync(join(candidate, 'index.html')));
}

const ownedByApi = (path: string) =>
  API_OWNED_PREFIXES.some(
    (prefix) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}-`),
  );

const acceptsHtml = (request: FastifyRequest) =>
  String(request.headers.accept ?? '').includes('text/html');

/**
 * Serves the built single-page app at `/`: its files (hashed assets cached for a year, the rest
 * revalidated), and `index.html` for any other GET a browser navigates to (client-side routes such
 * as `/reset-password?token=…`). `/api`, `/docs`, `/health`, `/metrics` and `/socket.io` keep their
 * meaning, and requests that do not ask for HTML still get the api's 404 problem details.
 */
export async function serveWebClient(
  app: NestFastifyApplication,
  root: string | undefined = findWebRoot(),
): Promise<boolean> {
  const logger = new Logger('WebClient');
  if (!root) {
    logger.log('no built web client (dist/web); run `npm run build:web` to serve it at /');
    return false;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // one route per file found at start-up, so unknown paths fall through to the handler below
    wildcard: false,
    index: false,
    dotfiles: 'ignore',
    setHeaders: (reply, path) => {
      void reply.header(
        'cache-control',
        /[/\\]assets[/\\]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  const instance = app.getHttpAdapter().getInstance();
  const fallback = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    if (ownedByApi(path) || !acceptsHtml(request)) return reply.callNotFound();
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  };
  instance.get('/', fallback);
  instance.get('/*', fallback);
  logger.log(`serving the web client from ${root}`);
  return true;
}
