/** Okapi BM25 parameters (the usual defaults; the evaluation in test/chat-retrieval.e2e-spec.ts). */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

/**
 * BM25 inverse document frequency in the non-negative form (Lucene's):
 * ln(1 + (N − df + 0.5) / (df + 0.5)). A lexeme no chunk holds gets the highest weight.
 */
export function bm25Idf(chunks: number, documentFrequency: number): number {
  const n = Math.max(chunks, documentFrequency, 0);
  return Math.log(1 + (n - documentFrequency + 0.5) / (documentFrequency + 0.5));
}
