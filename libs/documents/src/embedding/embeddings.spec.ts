import type { ConfigService } from '@nestjs/config';
import { Embeddings } from './embeddings';
import type { SentenceEncoder } from './sentence-encoder';

/** An encoder that answers or fails as the test says, counting its calls. */
class ScriptedEncoder implements SentenceEncoder {
  calls = 0;
  failing = false;
  closed = false;

  embed(texts: readonly string[]): Promise<number[][]> {
    this.calls += 1;
    if (this.failing) return Promise.reject(new Error('the model is stuck'));
    return Promise.resolve(texts.map((text) => [text.length, 1]));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

const config = (embeddings: boolean) =>
  ({ getOrThrow: () => ({ embeddings }) }) as unknown as ConfigService;

describe('Embeddings', () => {
  it("gives a question's vector, computed once for a question asked again", async () => {
    const encoder = new ScriptedEncoder();
    const embeddings = new Embeddings(encoder, config(true));
    expect(await embeddings.question('why?')).toEqual([4, 1]);
    expect(await embeddings.question('why?')).toEqual([4, 1]);
    expect(encoder.calls).toBe(1);
  });

  it('answers no vector (ranking by words) when the encoder fails, and recovers with it', async () => {
    const encoder = new ScriptedEncoder();
    const embeddings = new Embeddings(encoder, config(true));
    encoder.failing = true;
    await expect(embeddings.question('where?')).resolves.toBeUndefined();
    // not cached: the next question asks the encoder again
    encoder.failing = false;
    expect(await embeddings.question('where?')).toEqual([6, 1]);
    // chunks' vectors are the worker's to retry: their failure is the caller's
    encoder.failing = true;
    await expect(embeddings.chunks(['a'])).rejects.toThrow(/stuck/);
  });

  it('never asks the encoder when embeddings are off', async () => {
    const encoder = new ScriptedEncoder();
    const embeddings = new Embeddings(encoder, config(false));
    expect(embeddings.enabled).toBe(false);
    await expect(embeddings.question('who?')).resolves.toBeUndefined();
    expect(encoder.calls).toBe(0);
    await embeddings.onApplicationShutdown();
    expect(encoder.closed).toBe(true);
  });
});
