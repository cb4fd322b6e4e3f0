import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { Lifecycle } from './lifecycle';
import { describeOpenResources, listeningPorts } from './open-resources';
import { trackCloseHooks } from './pending-hooks';
import { withTimeout } from './timeout';

export interface ShutdownOptions {
  /** Keep serving (readiness 503) this long so load balancers stop sending traffic. */
  graceMs: number;
  /** Give up waiting for in-flight work after this long. */
  timeoutMs: number;
  logger: LoggerService;
  /** Runs after the app closed, before the process exits (error events, spans); bounded itself. */
  flush?: () => Promise<void>;
}

/**
 * Graceful stop: readiness turns 503, a grace period passes, then the app closes (HTTP drains
 * in-flight requests, the worker lets active jobs finish, connections close). Bounded by
 * `timeoutMs`; returns the exit code.
 */
export async function shutdownGracefully(
  app: INestApplicationContext,
  signal: string,
  options: ShutdownOptions,
): Promise<number> {
  options.logger.log(`${signal} received: shutting down`, 'Shutdown');
  const lifecycle = app.get(Lifecycle, { strict: false });
  const serverPorts = listeningPorts();
  const hooks = trackCloseHooks(app);
  lifecycle.beginShutdown();
  if (options.graceMs > 0) await new Promise((resolve) => setTimeout(resolve, options.graceMs));
  try {
    // the worker's own drain is bounded by timeoutMs; leave a little for closing connections
    await withTimeout(app.close(), options.timeoutMs + 5000, 'shutdown');
    options.logger.log('shutdown complete', 'Shutdown');
    return 0;
  } catch (error) {
    options.logger.error(
      `shutdown did not finish cleanly: ${String(error)} (waiting for ` +
        `${hooks.pending().join(', ') || 'no close hook: the servers closing'}); ` +
        `still open: ${describeOpenResources(serverPorts)}`,
      undefined,
      'Shutdown',
    );
    return 1;
  }
}

/** Installs SIGTERM/SIGINT handlers once; a second signal forces exit. */
export function handleShutdownSignals(
  app: INestApplicationContext,
  options: ShutdownOptions,
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      options.logger.warn(`${signal} received again: exiting now`, 'Shutdown');
      process.exit(1);
    }
    stopping = true;
    void shutdownGracefully(app, signal, options).then(async (code) => {
      await options.flush?.().catch(() => undefined);
      process.exit(code);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
