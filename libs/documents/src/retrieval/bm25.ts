/** Okapi BM25 parameters (the usual defaults; the evaluation in test/chat-retrieval.e2e-spec.ts). */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;
