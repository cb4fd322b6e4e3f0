import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LruMap } from '@docent/common';
import type { DocumentSettings } from '@docent/config';
import { type SentenceEncoder, ThreadedSentenceEncoder } from './sentence-encoder';

/** The encoder the process uses (a provider, so a test can hand in one that fails). */
export const SENTENCE_ENCODER = Symbol('SENTENCE_ENCODER');

export const sentenceEncoderProvider = {
  provide: SENTENCE_ENCODER,
  useFactory: (): SentenceEncoder => new ThreadedSentenceEncoder(),
};

/**
 * A question's vector is waited for this long at most: past it (or when the encoder fails) the
 * question ranks by its words alone. Generous against the 8 ms a question takes, for the model's
 * first load (≈ 0.2 s) on a busy machine.
 */
export const QUESTION_TIMEOUT_MS = 2_000;
/** One batch of chunks (EMBEDDING_MAX_BATCH paragraphs at ≈ 60 ms each) may take this long. */
export const CHUNK_BATCH_TIMEOUT_MS = 60_000;
/** Questions whose vector is kept (a question asked again, a page of results, a retry). */
const CACHED_QUESTIONS = 1_000;
/** A failing encoder is reported at most this often. */
const WARN_EVERY_MS = 60_000;

/**
 * Sentence embeddings for ranking by meaning (issue 15), when EMBEDDINGS_ENABLED (the default):
 * the question's vector for the api, the chunks' vectors for the worker. Failures never fail a
 * search or a question: without a vector the ranking is by words alone.
 */
@Injectable()
export class Embeddings implements OnApplicationShutdown {
  private readonly logger = new Logger('Embeddings');
  readonly enabled: boolean;
  private readonly questions = new LruMap<string, number[]>(CACHED_QUESTIONS, 'question_vectors');
  private lastWarning = 0;

  constructor(
    @Inject(SENTENCE_ENCODER) private readonly encoder: SentenceEncoder,
    config: ConfigService,
  ) {
    this.enabled = config.getOrThrow<DocumentSettings>('documents').embeddings;
  }

  /** The question's vector; undefined when embeddings are off or the encoder failed. */
  async question(text: string): Promise<number[] | undefined> {
    if (!this.enabled) return undefined;
    const cached = this.questions.get(text);
    if (cached) return cached;
    try {
      const [vector] = await this.encoder.embed([text], QUESTION_TIMEOUT_MS);
      this.questions.set(text, vector);
      return vector;
    } catch (error) {
      this.warn(error);
      return undefined;
    }
  }

  /** The chunks' vectors, in order; rejects when the encoder fails (the caller retries later). */
  chunks(texts: readonly string[]): Promise<number[][]> {
    return this.encoder.embed(texts, CHUNK_BATCH_TIMEOUT_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.encoder.close();
  }

  private warn(error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn(
      { err: error },
      'the sentence encoder failed: questions rank by their words alone until it answers again',
    );
  }
}
