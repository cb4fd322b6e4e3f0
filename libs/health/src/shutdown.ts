import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { Lifecycle } from './lifecycle';
import { withTimeout } from './timeout';

export interface ShutdownOptions {
  /** Keep serving (readiness 503) this long so load balancers stop sending traffic. */
  graceMs: number;
  /** Give up waiting for in-flight work after this long. */
  timeoutMs: number;
  logger: LoggerService;
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
  app.get(Lifecycle, { strict: false }).beginShutdown();
  if (options.graceMs > 0) await new Promise((resolve) => setTimeout(resolve, options.graceMs));
  try {
    // the worker's own drain is bounded by timeoutMs; leave a little for closing connections
    await withTimeout(app.close(), options.timeoutMs + 5000, 'shutdown');
    options.logger.log('shutdown complete', 'Shutdown');
    return 0;
  } catch (error) {
    options.logger.error(
      `shutdown did not finish cleanly: ${String(error)}; still open: ${openResources()}`,
      undefined,
      'Shutdown',
    );
    return 1;
  }
}

/** Installs SIGTERM/SIGINT handlers once; a second signal forces exit. */
/**
 * What keeps the process busy, by kind ("TCPSocketWrap ×3, Timeout ×2"): when a shutdown runs out
 * of time, the operator learns what it was waiting for (open connections, timers, child
 * processes) without a debugger.
 */
function openResources(): string {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo())
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return (
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([kind, count]) => `${kind} ×${count}`)
      .join(', ') || 'nothing'
  );
}

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
    void shutdownGracefully(app, signal, options).then((code) => process.exit(code));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
