import type { INestApplicationContext } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';

const HOOKS = ['onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown'] as const;

type Hook = (...args: unknown[]) => unknown;

/**
 * Follows every close hook Nest is about to run (`onModuleDestroy`, `beforeApplicationShutdown`,
 * `onApplicationShutdown` on providers, controllers and module classes): `pending()` names the ones
 * that started and have not settled ("QueueLifecycle.onApplicationShutdown"). A stop that runs out
 * of time then says which hook it was waiting for. Call once, when the stop begins.
 */
export function trackCloseHooks(app: INestApplicationContext): { pending(): string[] } {
  const running = new Map<number, string>();
  let next = 0;
  const seen = new Set<object>();
  let container: ModulesContainer;
  try {
    container = app.get(ModulesContainer, { strict: false });
  } catch {
    return { pending: () => [] };
  }
  for (const moduleRef of container.values()) {
    const wrappers = [
      ...moduleRef.providers.values(),
      ...moduleRef.controllers.values(),
      ...moduleRef.injectables.values(),
    ];
    for (const wrapper of wrappers) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || seen.has(instance)) continue;
      seen.add(instance);
      const target = instance as Record<string, unknown>;
      const name = (instance.constructor as { name?: string }).name ?? 'anonymous';
      for (const hook of HOOKS) {
        const original = target[hook];
        if (typeof original !== 'function') continue;
        target[hook] = function (this: unknown, ...args: unknown[]) {
          const id = (next += 1);
          running.set(id, `${name}.${hook}`);
          let result: unknown;
          try {
            result = (original as Hook).apply(this, args);
          } catch (error) {
            running.delete(id);
            throw error;
          }
          if (result instanceof Promise) {
            return result.finally(() => running.delete(id));
          }
          running.delete(id);
          return result;
        };
      }
    }
  }
  return { pending: () => [...running.values()] };
}
