// MikroORM keeps entity metadata in a process-wide global keyed by class name and file. Jest runs
// several test files in one worker, each with its own module registry, so a second file would
// reuse the first file's metadata objects (from another realm) and break. Start each file clean.
delete (globalThis as Record<string, unknown>)['mikro-orm-metadata'];
