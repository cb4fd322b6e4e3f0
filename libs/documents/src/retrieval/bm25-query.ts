import { BM25_B, BM25_K1 } from './bm25';

/**
 * A piece of SQL with `?` placeholders and their values in order, as MikroORM's
 * `connection.execute(sql, params)` takes them (it quotes each value as a literal).
 */
export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export interface RankingOptions {
  k1: number;
  b: number;
  /**
   * Weight of the proximity evidence: for each two question lexemes found in a chunk that follow
   * each other in the question (among those the chunk holds), when the chunk has them at most
   * PROXIMITY_WINDOW positions apart, the score gains `proximity` × the smaller idf / distance.
   * 0 = plain BM25.
   */
  proximity?: number;
  /**
   * Weight of prefix matches: a question lexeme of PREFIX_MIN or more letters that a chunk does
   * not hold matches the chunk's lexemes that start with it minus its last PREFIX_DROP letters
   * (forms the stemmer keeps apart: geographical/geography, agricultural/agriculture), scored as
   * one BM25 term (their positions summed, the idf of the prefix) times this weight. 0 = off.
   */
  prefix?: number;
  /**
   * Weight of meaning: with the question's vector (`questionVector`), each shortlisted chunk's
   * score becomes its lexical score divided by the best one's, plus this weight × the cosine of
   * the question's and the chunk's sentence-encoder vectors (a chunk without a vector yet gets
   * the mean of the others'). 0 or no vector = by words alone.
   */
  dense?: number;
}

/**
 * BM25 (the usual k1/b) plus proximity evidence at weight 1 (on the SQuAD dev paragraphs MRR
 * 0.901 → 0.918, our own coffee questions unchanged), prefix matches at half weight, and meaning
 * at weight 1: dev recall@5 0.982 → 0.989, coffee 0.933 → 0.950; 0.75 to 1.5 all did better than
 * none on both sets (bench/RESULTS.md, eval).
 */
export const DEFAULT_RANKING: RankingOptions = {
  k1: BM25_K1,
  b: BM25_B,
  proximity: 1,
  prefix: 0.5,
  dense: 1,
};

/** Shortest question lexeme that also matches by prefix, and the letters its prefix drops. */
export const PREFIX_MIN = 5;
export const PREFIX_DROP = 2;

/**
 * Meaning reorders the best max(DENSE_RERANK_MIN, DENSE_RERANK_FACTOR × limit) chunks by their
 * words (their cosine is computed in SQL, 512 products each).
 */
export const DENSE_RERANK_MIN = 30;
export const DENSE_RERANK_FACTOR = 3;

/** Largest distance in positions (stop words count) at which two question words are "near". */
export const PROXIMITY_WINDOW = 3;

/**
 * Phase 1 keeps this many candidates per requested result (and at least SHORTLIST_MIN) for the
 * exact scoring; below that many candidates the ranking is exactly BM25.
 */
const SHORTLIST_FACTOR = 20;
const SHORTLIST_MIN = 200;

/** SQL quoting a lexeme for the tsquery parser, so nothing in it is read as tsquery syntax. */
const quoted = (column: string) =>
  `'''' || replace(replace(${column}, '\\', '\\\\'), '''', '''''') || ''''`;

/** What `scoredChunks` ranks, and among which documents. */
export interface RankedChunksRequest {
  /** Natural-language question or keywords, bound (never interpolated). */
  question: string;
  /**
   * `select id` of every completed document the caller can read right now. The candidates AND
   * the corpus statistics come from these documents only.
   */
  readable: SqlFragment;
  /**
   * When set, only chunks of these documents are candidates (ids outside `readable` find
   * nothing); the statistics stay those of the whole readable set, so scores stay comparable.
   */
  documentIds?: readonly string[];
  limit: number;
  /**
   * `document`: only the best chunk of each document (a list of distinct documents). `chunk`
   * (default): every chunk on its own.
   */
  group?: 'chunk' | 'document';
  /**
   * With `group` `chunk`: a document's chunks after its best `perDocument` come only after the
   * chunks of every other document found, so one document cannot fill every slot unless it is
   * the only one that matches. Unset: no cap.
   */
  perDocument?: number;
  /** Selected columns: `c` (document_chunks), `d` (documents), `tq.query` (the tsquery). */
  columns: (string | SqlFragment)[];
  /** The question's sentence-encoder vector (unit length), for the `dense` weight. */
  questionVector?: readonly number[];
  ranking?: RankingOptions;
}

/**
 * The scored candidate search shared by chat retrieval and `GET /search`. Candidates: the chunks
 * of the caller's readable documents whose `tsv` matches the any-term (OR) tsquery of the
 * question's lexemes — the GIN index finds them. Each is scored with Okapi BM25 over the same
 * stemmed tokens:
 *
 *   score = Σ over question lexemes t in the chunk of
 *           idf(t) · tf · (k1 + 1) / (tf + k1 · (1 − b + b · dl / avgdl))
 *
 * tf is the number of positions of t in the chunk's tsvector, dl the chunk's token count (sum of
 * all positions), and idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5)).
 *
 * The statistics are those of the caller's READABLE SET, never global ones: global statistics
 * let a member learn, by comparing the scores of a guessed term and a control term, whether and
 * how often a word occurs in documents they cannot read. df(t) is counted on the candidates
 * (every readable chunk holding t is one, so the count is exact and needs no extra scan); N and
 * avgdl are sums of `document_chunk_stats` (exact per document, kept by triggers) over the
 * readable documents. So nothing in the result (hits, order, scores, snippets) depends on a
 * document the caller cannot read; with `documentIds`, candidates are limited to those
 * documents but the statistics stay the whole readable set's, so scores stay comparable. The
 * question's lexemes with their idf are the CTE `w` (lexeme, idf), for callers to select.
 * Latency is not covered: the index scan also meets the matching chunks of other documents
 * (measured in bench/RESULTS.md, section search).
 *
 * Binding the question (never interpolated); lexemes are quoted for the tsquery parser so
 * nothing typed is read as tsquery syntax. A question without lexemes yields no rows.
 *
 * Cost: reading a whole tsvector for dl is what makes BM25 slower than ts_rank_cd, so it runs in
 * two phases. Phase 1 scores every candidate with b = 0 (no length normalisation; the matched
 * lexemes' tf come from `ts_filter(setweight(tsv, 'A', lexemes), '{a}')`, in C) and keeps the
 * best `max(20 × limit, 200)`; phase 2 scores those exactly. Length normalisation moves a score
 * by less than (k1 + 1) / (1 + k1 (1 − b)) ≈ 1.7×, so a chunk outside the shortlist practically
 * never belongs in the top `limit`; with fewer candidates than the shortlist it is exact.
 *
 * Proximity (`proximity` > 0, the default): in phase 2, for each two question lexemes the chunk
 * holds that follow each other in the question (skipping those it does not hold), the chunk gains
 * `proximity` × the smaller idf / their smallest distance, when that distance is at most
 * PROXIMITY_WINDOW positions (the stored positions, stop words included). Several question words
 * close together is evidence BM25's bag of words cannot see.
 *
 * Meaning (`dense` > 0, the default, with `questionVector`): after phase 2, each shortlisted
 * chunk's score becomes its score divided by the best shortlisted one's plus `dense` × the cosine
 * of its sentence-encoder vector with the question's, for the best max(30, 3 × limit) by their
 * words (the others, and a chunk without a vector, count the mean of those cosines). It bridges what shares no word ("In what country is Normandy located?" and "a region
 * in France"). The candidates stay those the GIN index finds, and every vector compared is one
 * of a readable chunk, so nothing here depends on unreadable documents either.
 *
 * Grouping: `group: 'document'` keeps each document's best chunk only; `perDocument` puts a
 * document's chunks after its best `perDocument` behind every other document's chunks.
 *
 * The score is the column `score`; ties go to the smaller chunk id.
 */
export function scoredChunks(request: RankedChunksRequest): SqlFragment {
  const { question, limit, columns } = request;
  const ranking = request.ranking ?? DEFAULT_RANKING;
  const { k1, b } = ranking;
  const proximity = ranking.proximity ?? 0;
  const prefix = ranking.prefix ?? 0;
  const shortlist = Math.max(limit * SHORTLIST_FACTOR, SHORTLIST_MIN);
  /** tf of the question's lexemes only: mark them with weight A, keep the A positions (C code). */
  const matched = (tsv: string) =>
    `select u.lexeme, coalesce(array_length(u.positions, 1), 1)::float8 as tf
       from unnest(ts_filter(setweight(${tsv}, 'A', tq.lexemes), '{a}')) u`;
  // jsonb keeps the ids one bound value, whatever their number
  const subset = request.documentIds
    ? {
        sql: 'where h.document_id in (select jsonb_array_elements_text(?::jsonb)::uuid)',
        params: [JSON.stringify(request.documentIds)],
      }
    : { sql: '', params: [] };
  const params: unknown[] = [];
  /** Appends a fragment's values in the order its text is assembled below. */
  const take = (fragment: SqlFragment) => {
    params.push(...fragment.params);
    return fragment.sql;
  };
  const ctes: string[] = [
    // the caller's readable documents, evaluated once: candidates and statistics come from here
    `readable as materialized (${take(request.readable)})`,
    `q as (${take({
      sql: `select lexeme from unnest(tsvector_to_array(to_tsvector('english', ?::text))) as lexeme`,
      params: [question],
    })})`,
    // the prefixes of the longer lexemes (none when prefix matching is off)
    `pq as (${take({
      sql: `select lexeme, left(lexeme, greatest(?::int, length(lexeme) - ?::int)) as prefix,
                   (${quoted('lexeme')})::tsquery as exact,
                   (${quoted(`left(lexeme, greatest(${PREFIX_MIN}, length(lexeme) - ${PREFIX_DROP}))`)} || ':*')::tsquery as query
              from q where ?::float8 > 0 and length(lexeme) >= ?::int`,
      params: [PREFIX_MIN, PREFIX_DROP, prefix, PREFIX_MIN],
    })})`,
    // any lexeme, or any lexeme starting with a prefix (a prefix covers its lexeme)
    `tq as (
       select (select string_agg(coalesce((select ${quoted('pq.prefix')} || ':*' from pq where pq.lexeme = q.lexeme), ${quoted('q.lexeme')}), ' | ') from q)::tsquery as query,
              (select array_agg(lexeme) from q) as lexemes)`,
    // every readable chunk holding a question lexeme (the GIN index finds them), one row per
    // lexeme it holds with its tf: the candidates and, counted, the exact df of the readable set.
    // The readable ids as one array (an init plan) rather than `in (select …)`: an array
    // comparison can be an index condition, so PostgreSQL ANDs the GIN bitmap with the chunks of
    // the readable documents (document_chunks_document_index_key) and visits only the rows that
    // are both; with a semi-join it fetched every matching chunk of every document first and
    // dropped the unreadable ones afterwards (bench/RESULTS.md, section search-scale).
    // A prefix match of a lexeme the chunk lacks is the row '~' || lexeme (tf 1 here; phase 2
    // counts it exactly).
    `hits as materialized (
       select c.id, c.document_id, t.lexeme, t.tf
         from document_chunks c
         cross join tq
         cross join lateral (
           ${matched('c.tsv')}
           union all
           select '~' || pq.lexeme, 1::float8 from pq where c.tsv @@ pq.query and not c.tsv @@ pq.exact
         ) t
        where tq.query is not null and c.tsv @@ tq.query
          and c.document_id = any(array(select id from readable)))`,
    `corpus as (
       select coalesce(sum(s.chunks), 0)::float8 as n,
              coalesce(sum(s.tokens)::float8 / nullif(sum(s.chunks), 0), 1) as avgdl
         from readable r join document_chunk_stats s on s.document_id = r.id)`,
    `df as (select lexeme, count(*)::float8 as df from hits group by lexeme)`,
    `w as (
       select q.lexeme,
              ln(1 + (greatest(corpus.n, coalesce(df.df, 0)) - coalesce(df.df, 0) + 0.5)
                     / (coalesce(df.df, 0) + 0.5)) as idf
         from q cross join corpus left join df on df.lexeme = q.lexeme)`,
    // each prefix's idf: the chunks holding the lexeme or another word with its prefix
    `wp as (${take({
      sql: `select '~' || pq.lexeme as lexeme, pq.prefix, pq.query, pq.exact,
                   ?::float8 * ln(1 + (greatest(corpus.n, k.df) - k.df + 0.5) / (k.df + 0.5)) as idf
              from pq cross join corpus
              cross join lateral (
                select coalesce(sum(df.df), 0) as df from df where df.lexeme in (pq.lexeme, '~' || pq.lexeme)
              ) k`,
      params: [prefix],
    })})`,
    `wall as (select lexeme, idf from w union all select lexeme, idf from wp)`,
    // phase 1, every candidate (of the requested documents): BM25 without length normalisation
    // (b = 0), which needs no pass over the whole tsvector; keeps the best `shortlist`
    `shortlist as (${take({
      sql: `select h.id
              from hits h join wall w on w.lexeme = h.lexeme
             ${subset.sql}
             group by h.id
             order by sum(w.idf * h.tf * (?::float8 + 1) / (h.tf + ?::float8)) desc, h.id
             limit ?`,
      params: [...subset.params, k1, k1, shortlist],
    })})`,
  ];
  if (proximity > 0) {
    // each question lexeme's first position in the question, for its order
    ctes.push(
      `qo as (${take({
        sql: `select u.lexeme, min(p) as qpos
                from unnest(to_tsvector('english', ?::text)) u, unnest(u.positions) p
               group by u.lexeme`,
        params: [question],
      })})`,
    );
  }
  /**
   * Proximity of one chunk: its positions of the question's lexemes; the lexemes it holds in
   * question order, each with the one before it; for each such pair at most PROXIMITY_WINDOW
   * positions apart somewhere in the chunk, the smaller idf / the distance.
   */
  const near = `cross join lateral (
        with pos as (
          select u.lexeme, p::int as p
            from unnest(ts_filter(setweight(c.tsv, 'A', tq.lexemes), '{a}')) u, unnest(u.positions) p
        ), present as (
          select distinct pos.lexeme, qo.qpos from pos join qo on qo.lexeme = pos.lexeme
        ), pairs as (
          select lag(lexeme) over (order by qpos, lexeme) as a, lexeme as b from present
        )
        select coalesce(sum(least(wa.idf, wb.idf) / greatest(m.dist, 1)), 0) as score
          from pairs
          join w wa on wa.lexeme = pairs.a
          join w wb on wb.lexeme = pairs.b
          cross join lateral (
            select min(abs(x.p - y.p)) as dist
              from pos x join pos y on y.lexeme = pairs.b and abs(x.p - y.p) <= ${PROXIMITY_WINDOW}
             where x.lexeme = pairs.a
          ) m
         where m.dist is not null
      ) near`;
  // phase 2, the shortlist: exact BM25 with the chunk's token count (and the proximity evidence)
  ctes.push(
    `scored as (${take({
      sql: `select c.id, c.document_id,
                   bm25.score${proximity > 0 ? ' + ?::float8 * near.score' : ''} as score
              from shortlist
              join document_chunks c on c.id = shortlist.id
              cross join tq
              cross join corpus
              cross join lateral (
                select sum(coalesce(array_length(u.positions, 1), 1))::float8 as dl from unnest(c.tsv) u
              ) len
              cross join lateral (
                select coalesce(sum(
                         w.idf * t.tf * (?::float8 + 1)
                         / (t.tf + ?::float8 * (1 - ?::float8 + ?::float8 * len.dl / greatest(corpus.avgdl, 1)))
                       ), 0) as score
                  from (
                    ${matched('c.tsv')}
                    union all
                    -- a prefix match: every position of the chunk's words with the prefix
                    select wp.lexeme, sum(coalesce(array_length(u.positions, 1), 1))::float8
                      from wp join unnest(c.tsv) u on starts_with(u.lexeme, wp.prefix)
                     where c.tsv @@ wp.query and not c.tsv @@ wp.exact
                     group by wp.lexeme
                  ) t join wall w on w.lexeme = t.lexeme
              ) bm25
              ${proximity > 0 ? near : ''}`,
      params: proximity > 0 ? [proximity, k1, k1, b, b] : [k1, k1, b, b],
    })})`,
  );
  let final = 'scored';
  const dense = ranking.dense ?? 0;
  const vector = request.questionVector;
  if (dense > 0 && vector && vector.length > 0 && vector.every(Number.isFinite)) {
    // meaning beside the words: the lexical score relative to the best one, plus the weighted
    // cosine with the question (unit vectors: their dot product), over the shortlist only
    ctes.push(
      `qv as (${take({ sql: 'select ?::real[] as v', params: [`{${vector.join(',')}}`] })})`,
      // the cosine of the best `reranked` by their words only: each costs a pass over 512
      // numbers in SQL, so the whole shortlist would triple a search's time (bench/RESULTS.md,
      // search-scale); the others count as the mean of those (as a chunk without a vector does)
      `dense as materialized (${take({
        sql: `select s.id, s.document_id, s.score,
                     case when e.embedding is not null then
                       (select sum(a::float8 * b) from unnest(e.embedding, qv.v) as x(a, b))
                     end as cos
                from (select id, document_id, score,
                             row_number() over (order by score desc, id) as lexical
                        from scored) s
                cross join qv
                left join document_chunk_embeddings e on e.chunk_id = s.id and s.lexical <= ?::int`,
        params: [Math.max(DENSE_RERANK_MIN, DENSE_RERANK_FACTOR * limit)],
      })})`,
      `blended as (${take({
        sql: `select id, document_id,
                     score / greatest(max(score) over (), 1e-9)
                       + ?::float8 * coalesce(cos, avg(cos) over (), 0) as score
                from dense`,
        params: [dense],
      })})`,
    );
    final = 'blended';
  }
  ctes.push(
    // each chunk's rank within its document
    `ranked as (
       select id, document_id, score,
              row_number() over (partition by document_id order by score desc, id) as nth
         from ${final})`,
  );
  const selected = columns.map((column) => (typeof column === 'string' ? column : take(column)));
  selected.push('r.score as score');
  const grouped = request.group === 'document';
  const cap = !grouped && request.perDocument !== undefined ? request.perDocument : undefined;
  const body = take({
    sql: `from ranked r
      join document_chunks c on c.id = r.id
      join documents d on d.id = c.document_id
      cross join tq
     ${grouped ? 'where r.nth = 1' : ''}
     order by ${cap !== undefined ? 'r.nth > ?::int, ' : ''}r.score desc, r.id asc
     limit ?`,
    params: cap !== undefined ? [cap, limit] : [limit],
  });
  return { sql: `with ${ctes.join(',\n')}\nselect ${selected.join(', ')}\n${body}`, params };
}
