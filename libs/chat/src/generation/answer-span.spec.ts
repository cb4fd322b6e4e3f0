import { answerKind, type AnswerKind, asksMoney, candidates, quote, tokenize } from './answer-span';

/** The candidate spans' text for a sentence, the question's words given in lowercase. */
function spans(sentence: string, kind: AnswerKind, asked: string[] = []): string[] {
  const tokens = tokenize(sentence);
  const isAsked = (i: number) => asked.includes(tokens[i].text.toLowerCase());
  return candidates(sentence, tokens, kind, isAsked).map((c) =>
    sentence.slice(tokens[c.from].start, tokens[c.to - 1].end),
  );
}

describe('answerKind', () => {
  it.each([
    ['Who was the duke in the battle of Hastings?', 'person'],
    ['Whose army won?', 'person'],
    ['When were the Normans in Normandy?', 'time'],
    ['In what year did the bridge open?', 'time'],
    ['What century did the Normans first gain their separate identity?', 'time'],
    ['Where is the oldest record of coffee drinking?', 'place'],
    ['In which country is Normandy located?', 'place'],
    ['How many members does the church have?', 'quantity'],
    ['How much did it cost?', 'quantity'],
    ['What percentage of people are Catholic?', 'quantity'],
    ['Which species has more caffeine?', 'other'],
    ['What is the crazy ones?', 'other'],
    ['Readability counts?', 'other'],
  ])('%s → %s', (question, kind) => {
    expect(answerKind(question)).toBe(kind);
  });
});

describe('candidates', () => {
  it('finds dates, years, decades and centuries for time questions', () => {
    expect(
      spans('The Normans arrived in the 10th and 11th centuries, and by 1066 they ruled.', 'time'),
    ).toEqual(['10th and 11th centuries', '1066']);
    expect(spans('It opened on May 5, 1902 and closed in the 1950s.', 'time')).toEqual([
      'May 5, 1902',
      '1950s',
    ]);
    // "may" without a number is a verb
    expect(spans('It may rain.', 'time')).toEqual([]);
  });

  it('finds numbers with their unit for quantity questions, but not years', () => {
    expect(spans('The church has 168,637 members since 1990.', 'quantity')).toEqual([
      '168,637 members',
    ]);
    expect(spans('It has 14 stone arches.', 'quantity', ['arches'])).toEqual(['14 stone arches']);
    expect(spans('About 3.5 million people live there.', 'quantity')).toEqual([
      '3.5 million people',
    ]);
  });

  it('finds names for who, leaving out the question’s own words and a capitalised first word', () => {
    expect(
      spans('In 1066, Duke William II of Normandy conquered England.', 'person', ['normandy']),
    ).toEqual(['Duke William II', 'England']);
    expect(spans('Soon the rebels arrived.', 'person')).toEqual([]);
  });

  it('leaves out possessives and lone adjectives of nationality', () => {
    expect(spans("Richard's fiancée Berengaria sailed with the Norman army.", 'person')).toEqual([
      'Berengaria',
    ]);
  });

  it('prefers amounts with a currency sign when the question is about money', () => {
    const tokens = tokenize('The 6.7 earthquake cost $20 billion.');
    const found = candidates(
      'The 6.7 earthquake cost $20 billion.',
      tokens,
      'quantity',
      () => false,
      true,
    );
    expect(
      found.map((c) =>
        tokens
          .slice(c.from, c.to)
          .map((t) => t.text)
          .join(' '),
      ),
    ).toEqual(['20 billion']);
    expect(asksMoney('How much did the earthquake cost?')).toBe(true);
    expect(asksMoney('How many people live there?')).toBe(false);
  });

  it('prefers names after in/at/from for where', () => {
    expect(spans('Kaldi, a goatherd, lived in Ethiopia.', 'place')).toEqual(['Ethiopia']);
  });

  it('is linear on a long run of candidate words', () => {
    const sentence = `${'1902 and '.repeat(20_000)}1903`;
    expect(spans(sentence, 'time')).toHaveLength(1);
  });
});

describe('quote', () => {
  const sentence = 'one two three four five six seven eight nine ten eleven twelve';
  const tokens = tokenize(sentence);

  it('keeps a short sentence whole', () => {
    expect(quote(sentence, tokens, 20, () => 0)).toBe(sentence);
  });

  it('quotes the window holding the span, with ellipses where it cut', () => {
    expect(quote(sentence, tokens, 4, () => 0, { from: 6, to: 7 })).toBe(
      '… five six seven eight …',
    );
    expect(quote(sentence, tokens, 4, () => 0, { from: 11, to: 12 })).toBe(
      '… nine ten eleven twelve',
    );
    expect(quote(sentence, tokens, 4, (i) => (i === 1 ? 1 : 0))).toBe('one two three four …');
  });
});
