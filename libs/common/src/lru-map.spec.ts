import { cacheStatistics, LruMap } from './lru-map';

describe('LruMap', () => {
  it('drops the least recently used entry past its capacity', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1); // a is now the most recent
    map.set('c', 3);
    expect(map.get('b')).toBeUndefined();
    expect(map.get('a')).toBe(1);
    expect(map.get('c')).toBe(3);
    expect(map.size).toBe(2);
  });

  it('makes a missing entry once and keeps it', () => {
    const map = new LruMap<string, object>(3);
    const make = jest.fn(() => ({}));
    const first = map.getOrSet('k', make);
    expect(map.getOrSet('k', make)).toBe(first);
    expect(make).toHaveBeenCalledTimes(1);
  });

  it('replacing a key does not evict another', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 10);
    expect(map.get('b')).toBe(2);
    expect(map.get('a')).toBe(10);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LruMap(0)).toThrow(RangeError);
    expect(() => new LruMap(1.5)).toThrow(RangeError);
  });

  it('counts hits and misses of a named map, summed over the instances of a name', () => {
    const first = new LruMap<string, number>(2, 'spec_cache');
    const second = new LruMap<string, number>(2, 'spec_cache');
    first.getOrSet('a', () => 1); // miss
    first.get('a'); // hit
    second.get('b'); // miss
    new LruMap<string, number>(2).get('c'); // unnamed: not counted
    expect(cacheStatistics().get('spec_cache')).toEqual({ hits: 1, misses: 2 });
  });
});
