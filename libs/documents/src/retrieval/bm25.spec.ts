import { bm25Idf } from './bm25';

describe('bm25Idf', () => {
  it('is the non-negative BM25 idf, highest for lexemes no chunk holds', () => {
    expect(bm25Idf(100, 0)).toBeCloseTo(Math.log(1 + 100.5 / 0.5), 10);
    expect(bm25Idf(100, 10)).toBeCloseTo(Math.log(1 + 90.5 / 10.5), 10);
    expect(bm25Idf(100, 100)).toBeGreaterThan(0);
    expect(bm25Idf(100, 1)).toBeGreaterThan(bm25Idf(100, 50));
  });

  it('never goes negative when statistics lag (df above N) or are empty', () => {
    expect(bm25Idf(5, 9)).toBeGreaterThan(0);
    expect(bm25Idf(0, 0)).toBeCloseTo(Math.log(2), 10);
  });
});
