import { EMBEDDING_DIMENSIONS, ThreadedSentenceEncoder } from './sentence-encoder';

const dot = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i], 0);

describe('ThreadedSentenceEncoder (the bundled model, in its thread)', () => {
  const encoder = new ThreadedSentenceEncoder();
  afterAll(() => encoder.close());

  it('gives one unit vector per text, closer for texts that mean the same thing', async () => {
    const [question, answer, unrelated] = await encoder.embed(
      [
        'In what country is Normandy located?',
        'Normandy is a region in the north of France, on the English Channel.',
        'Brew the coffee for four minutes before pressing the plunger.',
      ],
      30_000,
    );
    for (const vector of [question, answer, unrelated]) {
      expect(vector).toHaveLength(EMBEDDING_DIMENSIONS);
      expect(dot(vector, vector)).toBeCloseTo(1, 3);
    }
    expect(dot(question, answer)).toBeGreaterThan(dot(question, unrelated) + 0.1);
  }, 60_000);

  it('answers for empty texts and more texts than one request takes, in order', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => (i === 3 ? '' : `sentence number ${i}`));
    const vectors = await encoder.embed(texts, 30_000);
    expect(vectors).toHaveLength(40);
    const [again] = await encoder.embed(['sentence number 39'], 30_000);
    expect(dot(vectors[39], again)).toBeCloseTo(1, 3);
    expect(await encoder.embed([], 1)).toEqual([]);
  }, 60_000);

  it('rejects a request that takes too long, and serves the next one with a new thread', async () => {
    await expect(encoder.embed(['word '.repeat(400)], 1)).rejects.toThrow(/longer than 1 ms/);
    const [vector] = await encoder.embed(['still working'], 30_000);
    expect(vector).toHaveLength(EMBEDDING_DIMENSIONS);
  }, 60_000);
});
