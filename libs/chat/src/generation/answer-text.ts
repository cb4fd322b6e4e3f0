import { AppError } from '@docent/common';

/** What every generator answers when the retrieved documents do not hold the answer. */
export const NO_ANSWER = 'The documents do not contain the answer to this question.';

/** Splits text into streamed pieces of a few words each (the whitespace kept with the words). */
export function wordGroups(text: string, wordsPerGroup = 2): string[] {
  const words = text.match(/\S+\s*/g) ?? [];
  const groups: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerGroup) {
    groups.push(words.slice(i, i + wordsPerGroup).join(''));
  }
  return groups;
}

/** A rough token count for providers that report none (about four characters per token). */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

/** The error a generator rejects with once the request's signal is aborted (client gone). */
export function abortedError(signal: AbortSignal): AppError {
  return new AppError('unavailable', 'generation_aborted', 'The answer was cancelled.', {
    cause: signal.reason,
  });
}

/** Citation markers `[n]` in order of first appearance, deduplicated. */
export function citedMarkers(text: string): number[] {
  const seen: number[] = [];
  for (const match of text.matchAll(/\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g)) {
    for (const part of match[1].split(',')) {
      const n = Number(part.trim());
      if (!seen.includes(n)) seen.push(n);
    }
  }
  return seen;
}
