/** Lookups of every named LruMap of the process, by name (`cache_lookups_total`). */
export interface CacheStatistics {
  hits: number;
  misses: number;
}

const statistics = new Map<string, CacheStatistics>();

/** Hits and misses of the named in-process caches so far (several instances of a name add up). */
export function cacheStatistics(): ReadonlyMap<string, Readonly<CacheStatistics>> {
  return statistics;
}

/**
 * A Map that holds at most `capacity` entries: reading an entry makes it the most recently used,
 * and adding one past the capacity drops the least recently used (a Map keeps insertion order,
 * so that is its first key). For small in-process caches on hot paths.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();
  private readonly counts?: CacheStatistics;

  /** With a `name`, its hits and misses are counted in `cacheStatistics()`. */
  constructor(
    private readonly capacity: number,
    name?: string,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`LruMap capacity must be a positive integer, got ${capacity}`);
    }
    if (name !== undefined) {
      this.counts = statistics.get(name) ?? { hits: 0, misses: 0 };
      statistics.set(name, this.counts);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    if (!this.entries.has(key)) {
      if (this.counts) this.counts.misses += 1;
      return undefined;
    }
    if (this.counts) this.counts.hits += 1;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** The entry for `key`, made by `make` (and kept) when there is none. */
  getOrSet(key: K, make: () => V): V {
    const found = this.get(key);
    if (found !== undefined) return found;
    const value = make();
    this.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) {
      this.entries.delete(this.entries.keys().next().value as K);
    }
    this.entries.set(key, value);
  }
}
