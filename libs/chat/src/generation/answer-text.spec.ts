import { citedMarkers, estimateTokens, wordGroups } from './answer-text';
import { cite, retryAfterMs } from './openai.generator';
import { splitSentences } from './sentences';

describe('answer text helpers', () => {
  it('splits text into word groups whose concatenation is the text', () => {
    const text = 'Readability counts. [1] Simple is better than complex. [2]';
    const groups = wordGroups(text, 3);
    expect(groups.length).toBeGreaterThan(1);
    expect(groups.join('')).toBe(text);
  });

  it('estimates tokens', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcdefgh')).toBe(2);
  });

  it('finds citation markers in order of first appearance, including lists', () => {
    expect(citedMarkers('A [2]. B [1][2]. C [3, 1]. D [x] [12]')).toEqual([2, 1, 3, 12]);
    expect(citedMarkers('no markers')).toEqual([]);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    const now = Date.parse('2026-11-26T00:00:00Z');
    expect(retryAfterMs('Thu, 26 Nov 2026 00:00:05 GMT', now)).toBe(5000);
  });
});

describe('cite', () => {
  const chunk = (n: number) => ({
    chunkId: `c${n}`,
    documentId: `d${n}`,
    filename: `f${n}.pdf`,
    page: n,
    content: `passage ${n} `.repeat(100),
    score: n,
  });
  const chunks = [chunk(1), chunk(2), chunk(3)];

  it('cites the passages whose markers appear, renumbered in order of appearance', () => {
    const { content, citations } = cite('X is so [3]. Y too [1][3]. Z [9].', chunks);
    expect(content).toBe('X is so [1]. Y too [2][1]. Z.');
    expect(citations.map((c) => c.chunkId)).toEqual(['c3', 'c1']);
    expect(citations[0]).toMatchObject({ documentId: 'd3', filename: 'f3.pdf', page: 3, score: 3 });
    expect(citations[0].snippet.length).toBeLessThanOrEqual(301);
  });

  it('cites nothing when the answer has no markers', () => {
    expect(cite('The documents do not contain the answer.', chunks).citations).toEqual([]);
  });
});

describe('splitSentences', () => {
  it('splits at sentence punctuation and keeps short lines (verse, headings) apart', () => {
    const text =
      "Example document\nBeautiful is better than ugly.\nExplicit is better than implicit.\nReadability counts.\nSpecial cases aren't special enough to break the rules.";
    expect(splitSentences(text)).toEqual([
      'Example document',
      'Beautiful is better than ugly.',
      'Explicit is better than implicit.',
      'Readability counts.',
      "Special cases aren't special enough to break the rules.",
    ]);
  });

  it('joins a sentence wrapped over long lines and splits sentences within a line', () => {
    const text =
      'This is a long sentence that a PDF wrapped somewhere in the middle of its\nwords, and it goes on. Then another one starts! Does it? Yes.';
    expect(splitSentences(text)).toEqual([
      'This is a long sentence that a PDF wrapped somewhere in the middle of its words, and it goes on.',
      'Then another one starts!',
      'Does it?',
      'Yes.',
    ]);
  });

  it('cuts overly long sentences at a word boundary', () => {
    const long = `${'word '.repeat(200)}end.`;
    const [sentence] = splitSentences(long);
    expect(sentence.length).toBeLessThanOrEqual(401);
    expect(sentence.endsWith('…')).toBe(true);
  });
});
