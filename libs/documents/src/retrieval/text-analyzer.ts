import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { bm25Idf } from './bm25';

/** The question's lexemes with their corpus-wide inverse document frequency (BM25 form). */
export interface QueryTerm {
  lexeme: string;
  idf: number;
}

export interface TextAnalysis {
  /** Distinct lexemes of the question. */
  terms: QueryTerm[];
  /** Distinct lexemes of each text, in the order the texts were given. */
  lexemes: string[][];
}

/**
 * Tokenises and stems text exactly as the full-text index does (PostgreSQL's `english`
 * configuration: same parser, stop words and Snowball stemmer), so what a generator matches
 * sentence by sentence agrees with what retrieval matched chunk by chunk. Two small queries, run
 * in parallel; the question's IDF comes from the same global statistics as retrieval's.
 */
@Injectable()
export class TextAnalyzer {
  constructor(private readonly em: EntityManager) {}

  async analyze(question: string, texts: readonly string[]): Promise<TextAnalysis> {
    const connection = this.em.getConnection();
    const [termRows, textRows] = await Promise.all([
      connection.execute<{ lexeme: string; df: string | null; n: string | null }[]>(
        `select q.lexeme, s.chunks as df, corpus.chunks as n
           from unnest(tsvector_to_array(to_tsvector('english', ?::text))) as q(lexeme)
           left join chunk_term_stats s on s.lexeme = q.lexeme
           left join chunk_term_stats corpus on corpus.lexeme = ''
          order by q.lexeme`,
        [question],
      ),
      texts.length === 0
        ? Promise.resolve([] as { lexemes: string[] }[])
        : connection.execute<{ lexemes: string[] }[]>(
            `select tsvector_to_array(to_tsvector('english', t)) as lexemes
               from jsonb_array_elements_text(?::jsonb) with ordinality as x(t, ord)
              order by x.ord`,
            [JSON.stringify(texts)],
          ),
    ]);
    const terms = termRows.map((row) => ({
      lexeme: row.lexeme,
      idf: bm25Idf(Number(row.n ?? 0), Number(row.df ?? 0)),
    }));
    return { terms, lexemes: textRows.map((row) => row.lexemes) };
  }
}
