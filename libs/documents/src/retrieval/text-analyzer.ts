import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

/**
 * Tokenises and stems text exactly as the full-text index does (PostgreSQL's `english`
 * configuration: same parser, stop words and Snowball stemmer), so what a generator matches
 * sentence by sentence agrees with what retrieval matched chunk by chunk. The question's weights
 * are not here: they come with the retrieval (`Retrieval.terms`), computed over the caller's
 * readable documents only.
 */
@Injectable()
export class TextAnalyzer {
  constructor(private readonly em: EntityManager) {}

  /** Distinct lexemes of each text, in the order the texts were given. */
  async lexemes(texts: readonly string[]): Promise<string[][]> {
    if (texts.length === 0) return [];
    const rows = await this.em.getConnection().execute<{ lexemes: string[] }[]>(
      `select tsvector_to_array(to_tsvector('english', t)) as lexemes
         from jsonb_array_elements_text(?::jsonb) with ordinality as x(t, ord)
        order by x.ord`,
      [JSON.stringify(texts)],
    );
    return rows.map((row) => row.lexemes);
  }
}
