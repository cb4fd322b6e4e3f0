/** Longest sentence kept whole as a citation snippet; longer ones are cut at a word boundary. */
export const MAX_SENTENCE_CHARS = 400;

/**
 * Splits a chunk's text into sentences: at `.`, `!`, `?` (and their closing quotes/brackets)
 * followed by whitespace, and at line breaks that end a line without punctuation (headings,
 * list items, PDF lines). Whitespace inside a sentence is collapsed; empty pieces dropped.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const block of text.split(/\r?\n\s*\r?\n/)) {
    for (const unit of mergeWrappedLines(block.split(/\r?\n/))) {
      for (const sentence of unit.split(
        /(?<=[.!?]["'”’)\]]{0,3})(?<!\s)\s+(?=["'“‘([]?[\p{Lu}\p{N}])/u,
      )) {
        const clean = sentence.replace(/\s+/g, ' ').trim();
        if (/[\p{L}\p{N}]/u.test(clean)) sentences.push(truncate(clean));
      }
    }
  }
  return sentences;
}

/**
 * Joins the lines of a block that wrap one sentence. A line starts a new unit when the previous
 * one ended a sentence, or was short (a heading, list item or verse line) and this one does not
 * continue it in lowercase, or this one is a list item.
 */
function mergeWrappedLines(lines: string[]): string[] {
  const units: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    if (current) {
      // only the line's end is looked at: a unit merged from many lines is not rescanned
      const endsSentence = /[.!?:;]["'”’)\]]*$/u.test(current.slice(-8));
      const listItem = /^([-*•‣◦]\s|\d+[.)]\s)/u.test(line);
      const shortUnit = current.length <= 60 && !/^\p{Ll}/u.test(line);
      if (endsSentence || listItem || shortUnit) {
        units.push(current);
        current = line;
        continue;
      }
      current = `${current} ${line}`;
    } else {
      current = line;
    }
  }
  if (current) units.push(current);
  return units;
}

function truncate(sentence: string): string {
  if (sentence.length <= MAX_SENTENCE_CHARS) return sentence;
  const cut = sentence.slice(0, MAX_SENTENCE_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${(space > MAX_SENTENCE_CHARS / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
