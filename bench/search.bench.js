'use strict';
// What ranking with the statistics of the caller's readable documents costs (issue 12 #5), in SQL
// on PostgreSQL, against the previous ranking with global statistics on the same data in the same
// run. Both rank the same candidates with the same two-phase BM25; they differ in where N, df and
// avgdl come from:
//
//   readable set   the query the api runs: scoredChunks() from the BUILT bm25-query.js, df counted
//                  on the candidates among the caller's readable completed documents, N and
//                  avgdl summed from document_chunk_stats over those documents
//   global         the previous query (copied below from the removed bm25-query.ts), reading a
//                  global statistics table built here with ts_stat (what chunk_term_stats held)
//
// Data (generated, reproducible): BENCH_SEARCH_DOCUMENTS documents (300) of BENCH_SEARCH_CHUNKS
// chunks (100) of 120–200 words, 60% of them drawn from the coffee paragraphs of
// test/fixtures/retrieval (so the coffee questions match many candidates: a worst case) and the
// rest English-like filler; owned by 10 members; member 0 also has 30 documents shared with them.
// Chunks go in per document with multi-row INSERTs, as the indexer does, so the triggers keep
// document_chunk_stats. Callers: a member (30 documents), member 0 (60 with shares), an admin
// (all). Questions: the first 12 coffee questions, limit 10 (GET /search's default) and 6.
// Each (caller, question, query) runs BENCH_SEARCH_REPEATS (7) times, alternating the two
// queries; the median per question is kept.
//
// Also measured: the timing a member observes before and after a stranger adds 5,000 chunks
// full of the question's words (can a member time the presence of others' documents?), and
// the statistics upkeep (a 100-chunk document's delete + insert with and without the triggers).
//
// Own environment, removed afterwards (BENCH_SEARCH_KEEP_DATABASE=1 keeps it for a look): a
// database docent_bench_<id> migrated with the built migrate entry. `npm run build` first.
//
//   npm run bench -- search
const { readFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { randomBytes, randomUUID } = require('node:crypto');
const { URL } = require('node:url');
const { Pool } = require('pg');
const { runNode } = require('./processes.js');
const { adminQuery, prng, readableSql, writeFigures, writeResults } = require('./support.js');

const DOCUMENTS = Number(process.env.BENCH_SEARCH_DOCUMENTS ?? 300);
const CHUNKS_PER_DOCUMENT = Number(process.env.BENCH_SEARCH_CHUNKS ?? 100);
const REPEATS = Number(process.env.BENCH_SEARCH_REPEATS ?? 7);
const MEMBERS = 10;
const SHARED_WITH_FIRST = 30;
const STRANGER_CHUNKS = 5000;
const K1 = 1.2;
const B = 0.75;
const RESULTS_HEADING =
  '## search: ranking over the readable set vs global statistics (issue 12 #5)';

const root = path.resolve(__dirname, '..');
const fixtures = path.join(root, 'test/fixtures/retrieval');

const paragraphs = JSON.parse(readFileSync(path.join(fixtures, 'coffee-paragraphs.json'), 'utf8'));
const questions = JSON.parse(readFileSync(path.join(fixtures, 'coffee-questions.json'), 'utf8'))
  .slice(0, 12)
  .map((q) => q.q);
const COFFEE_WORDS = paragraphs.flatMap((p) => p.text.toLowerCase().match(/[a-z']+/g) ?? []);
const FILLER_WORDS = (() => {
  const random = prng(7);
  const syllables = ['ka', 'lo', 'mi', 'ner', 'tus', 'pra', 'vel', 'qui', 'dor', 'sen', 'bra'];
  const words = [];
  for (let i = 0; i < 20_000; i += 1) {
    const n = 2 + Math.floor(random() * 3);
    let w = '';
    for (let s = 0; s < n; s += 1) w += syllables[Math.floor(random() * syllables.length)];
    words.push(w);
  }
  return words;
})();

function chunkText(random) {
  const count = 120 + Math.floor(random() * 81);
  const words = [];
  for (let i = 0; i < count; i += 1) {
    words.push(
      random() < 0.6
        ? COFFEE_WORDS[Math.floor(random() * COFFEE_WORDS.length)]
        : FILLER_WORDS[Math.floor(FILLER_WORDS.length * random() ** 3)],
    );
  }
  return words.join(' ');
}

/** The indexer's statements for one document: delete its chunks, insert the new ones. */
async function indexDocument(client, documentId, texts) {
  await client.query('begin');
  await client.query('delete from document_chunks where document_id = $1', [documentId]);
  for (let start = 0; start < texts.length; start += 1000) {
    const batch = texts.slice(start, start + 1000);
    const values = [];
    const params = [];
    batch.forEach((content, i) => {
      const p = params.length;
      values.push(`($${p + 1}, $${p + 2}, $${p + 3}, 1, $${p + 4}, now())`);
      params.push(randomUUID(), documentId, start + i, content);
    });
    await client.query(
      `insert into document_chunks (id, document_id, chunk_index, page, content, created_at)
       values ${values.join(', ')}`,
      params,
    );
  }
  await client.query('commit');
}

const quoted = (column) =>
  `'''' || replace(replace(${column}, '\\', '\\\\'), '''', '''''') || ''''`;

/** A `{ sql, params }` fragment with `?` placeholders as node-postgres runs it (`$1`, `$2`, …). */
function toNative({ sql, params }) {
  let n = 0;
  const text = sql.replace(/\?/g, () => `$${(n += 1)}`);
  if (n !== params.length) throw new Error(`${n} placeholders for ${params.length} values`);
  return { sql: text, bindings: [...params] };
}

/** The previous scoredChunks (global statistics), as it was but for the table's name. */
function globalScoredChunks(question, scope, limit, columns) {
  const shortlist = Math.max(limit * 20, 200);
  const matched = (tsv) =>
    `select u.lexeme, coalesce(array_length(u.positions, 1), 1)::float8 as tf
       from unnest(ts_filter(setweight(${tsv}, 'A', tq.lexemes), '{a}')) u`;
  const params = [question, K1, K1, ...scope.params, shortlist];
  const selected = columns.map((column) => {
    if (typeof column === 'string') return column;
    params.push(...column.params);
    return column.sql;
  });
  params.push(K1, K1, B, B, limit);
  const sql = `with q as (
      select lexeme from unnest(tsvector_to_array(to_tsvector('english', ?::text))) as lexeme
    ), corpus as (
      select coalesce(max(chunks), 0)::float8 as n,
             coalesce(max(occurrences)::float8 / nullif(max(chunks), 0), 1) as avgdl
        from bench_global_stats where lexeme = ''
    ), w as (
      select q.lexeme,
             ln(1 + (greatest(corpus.n, coalesce(s.chunks, 0)) - coalesce(s.chunks, 0) + 0.5)
                    / (coalesce(s.chunks, 0) + 0.5)) as idf
        from q cross join corpus left join bench_global_stats s on s.lexeme = q.lexeme
    ), tq as (
      select string_agg(${quoted('lexeme')}, ' | ')::tsquery as query,
             array_agg(lexeme) as lexemes
        from q
    ), shortlist as (
      select c.id
        from document_chunks c
        cross join tq
        cross join lateral (
          select coalesce(sum(w.idf * t.tf * (?::float8 + 1) / (t.tf + ?::float8)), 0) as score
            from (${matched('c.tsv')}) t join w on w.lexeme = t.lexeme
        ) pre
       where tq.query is not null and c.tsv @@ tq.query and c.document_id in (${scope.sql})
       order by pre.score desc, c.id
       limit ?
    )
    select ${selected.join(', ')}, bm25.score as score
      from shortlist
      join document_chunks c on c.id = shortlist.id
      join documents d on d.id = c.document_id
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
          from (${matched('c.tsv')}) t join w on w.lexeme = t.lexeme
      ) bm25
     order by score desc, c.id asc
     limit ?`;
  return { sql, params };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

async function run() {
  const built = path.join(root, 'dist/apps/api/libs/documents/src/retrieval/bm25-query.js');
  const migrateEntry = path.join(root, 'dist/apps/api/apps/api/src/migrate.js');
  const { scoredChunks } = require(built);
  const { DEFAULTS } = require(path.join(root, 'dist/apps/api/libs/config/src/index.js'));

  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const serverUrl = process.env.DATABASE_URL ?? DEFAULTS.DATABASE_URL;
  const databaseName = `docent_bench_${id}`;
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${databaseName}`;
  const loadBefore = os.loadavg();
  let pool;
  let created = false;
  try {
    await adminQuery(serverUrl, `create database "${databaseName}"`);
    created = true;
    await runNode(
      migrateEntry,
      ['up'],
      { ...process.env, DATABASE_URL: databaseUrl.toString(), LOG_LEVEL: 'warn' },
      root,
    );
    pool = new Pool({ connectionString: databaseUrl.toString(), max: 2 });

    // ---------------------------------------------------------------- data
    const roles = Object.fromEntries(
      (await pool.query(`select name, id from roles`)).rows.map((r) => [r.name, r.id]),
    );
    const users = [];
    for (let i = 0; i <= MEMBERS + 1; i += 1) {
      const userId = randomUUID();
      const role = i === MEMBERS ? roles.admin : roles.member;
      await pool.query(
        `insert into users (id, email, display_name, password_hash, role_id, created_at, updated_at, password_changed_at)
         values ($1, $2, $3, 'x', $4, now(), now(), now())`,
        [userId, `bench-${i}-${id}@example.com`, `Bench ${i}`, role],
      );
      users.push(userId);
    }
    const [admin, stranger] = [users[MEMBERS], users[MEMBERS + 1]];
    const insertDocument = async (owner, name) => {
      const documentId = randomUUID();
      await pool.query(
        `insert into documents (id, owner_id, batch_id, filename, kind, mime_type, size_bytes, sha256,
                                storage_key, status, stage, progress, created_at, updated_at)
         values ($1, $2, $1, $3, 'txt', 'text/plain', 1, $4, $4, 'completed', 'done', 100, now(), now())`,
        [documentId, owner, name, `bench/${documentId}`],
      );
      return documentId;
    };
    const random = prng(42);
    const documents = [];
    const client = await pool.connect();
    const started = performance.now();
    try {
      for (let i = 0; i < DOCUMENTS; i += 1) {
        const owner = users[i % MEMBERS];
        const documentId = await insertDocument(owner, `doc-${i}.txt`);
        const texts = Array.from({ length: CHUNKS_PER_DOCUMENT }, () => chunkText(random));
        await indexDocument(client, documentId, texts);
        documents.push({ id: documentId, owner, texts });
      }
    } finally {
      client.release();
    }
    const loadSeconds = (performance.now() - started) / 1000;
    const others = documents.filter((d) => d.owner !== users[0]).slice(0, SHARED_WITH_FIRST);
    for (const d of others) {
      await pool.query(
        `insert into document_shares (document_id, user_id, permission, created_at) values ($1, $2, 'read', now())`,
        [d.id, users[0]],
      );
    }
    await pool.query('vacuum analyze');
    // what chunk_term_stats held: the global statistics, exact for the data as loaded
    await pool.query(`
      create table bench_global_stats as
      select word as lexeme, ndoc::bigint as chunks, nentry::bigint as occurrences
        from ts_stat('select tsv from document_chunks')
      union all
      select '', (select count(*) from document_chunks),
             coalesce((select sum(nentry) from ts_stat('select tsv from document_chunks')), 0);
      alter table bench_global_stats add primary key (lexeme);
      analyze bench_global_stats;`);
    const sizes = (
      await pool.query(
        `select (select count(*) from document_chunks)::int as chunks,
                (select count(*) from document_chunk_stats)::int as stat_rows,
                pg_total_relation_size('document_chunk_stats') as stats_bytes,
                pg_total_relation_size('bench_global_stats') as global_bytes,
                pg_total_relation_size('document_chunks') as chunk_bytes`,
      )
    ).rows[0];

    // ---------------------------------------------------------------- queries
    const readable = (userId) => readableSql(userId, userId === admin);
    const columns = () => [
      'c.id as chunk_id',
      'c.document_id',
      'd.filename',
      'c.page',
      {
        sql: `ts_headline('english', c.content, tq.query, 'StartSel=«,StopSel=»,MaxWords=30,MinWords=10,MaxFragments=2') as snippet`,
        params: [],
      },
    ];
    const queries = {
      readable: (userId, question, limit) =>
        scoredChunks({ question, readable: readable(userId), limit, columns: columns() }),
      global: (userId, question, limit) =>
        globalScoredChunks(question, readable(userId), limit, columns()),
    };
    const time = async (query) => {
      const { sql, bindings } = toNative(query);
      const t0 = performance.now();
      const { rows } = await pool.query(sql, bindings);
      return { ms: performance.now() - t0, rows };
    };

    const callers = [];
    for (const [kind, userId] of [
      ['member', users[1]],
      ['member with shares', users[0]],
      ['admin', admin],
    ]) {
      const scope = readable(userId);
      const { sql, bindings } = toNative({
        sql: `select count(*)::int as chunks, count(distinct c.document_id)::int as documents
                from document_chunks c where c.document_id in (${scope.sql})`,
        params: scope.params,
      });
      const [counts] = (await pool.query(sql, bindings)).rows;
      callers.push({
        label: `${kind} (reads ${counts.documents} documents, ${counts.chunks} chunks)`,
        id: userId,
      });
    }
    const rows = [];
    const ratios = [];
    let adminSame = true;
    for (const caller of callers) {
      for (const limit of [10, 6]) {
        const perQuestion = { readable: [], global: [] };
        for (const question of questions) {
          const samples = { readable: [], global: [] };
          // warm-up, and the admin check: for a caller who reads everything the two agree
          const [a, b] = [
            await time(queries.readable(caller.id, question, limit)),
            await time(queries.global(caller.id, question, limit)),
          ];
          if (caller.id === admin) {
            const same =
              a.rows.length === b.rows.length &&
              a.rows.every(
                (row, i) =>
                  row.chunk_id === b.rows[i].chunk_id &&
                  Math.abs(row.score - b.rows[i].score) <= 1e-9 * Math.abs(row.score),
              );
            adminSame = adminSame && same;
          }
          for (let r = 0; r < REPEATS; r += 1) {
            const order = r % 2 ? ['global', 'readable'] : ['readable', 'global'];
            for (const name of order) {
              samples[name].push((await time(queries[name](caller.id, question, limit))).ms);
            }
          }
          perQuestion.readable.push(median(samples.readable));
          perQuestion.global.push(median(samples.global));
        }
        const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
        const ratio = mean(perQuestion.readable) / mean(perQuestion.global);
        ratios.push(ratio);
        rows.push({
          caller: caller.label,
          limit,
          'global mean ms': round(mean(perQuestion.global)),
          'global max ms': round(Math.max(...perQuestion.global)),
          'readable mean ms': round(mean(perQuestion.readable)),
          'readable max ms': round(Math.max(...perQuestion.readable)),
          'readable/global': round(ratio, 2),
        });
      }
    }

    // ---------------------------------------------------------------- timing a stranger's documents
    const probe = questions.slice(0, 4);
    const member = users[1];
    // the fastest of 3 × REPEATS runs per question (the least disturbed by other load), averaged
    const observe = async (name) => {
      const fastest = [];
      for (const question of probe) {
        await time(queries[name](member, question, 10));
        let best = Infinity;
        for (let r = 0; r < 3 * REPEATS; r += 1) {
          best = Math.min(best, (await time(queries[name](member, question, 10))).ms);
        }
        fastest.push(best);
      }
      return fastest.reduce((s, x) => s + x, 0) / fastest.length;
    };
    const snapshot = async () =>
      JSON.stringify(
        await Promise.all(
          probe.map(async (question) => (await time(queries.readable(member, question, 10))).rows),
        ),
      );
    const beforeRows = await snapshot();
    const beforeStranger = { readable: await observe('readable'), global: await observe('global') };
    const strangerDocument = await insertDocument(stranger, 'stranger.txt');
    const probeText = probe.join(' ');
    const strangerClient = await pool.connect();
    try {
      await indexDocument(
        strangerClient,
        strangerDocument,
        Array.from({ length: STRANGER_CHUNKS }, (_, i) => `${probeText} ${i} ${chunkText(random)}`),
      );
    } finally {
      strangerClient.release();
    }
    await pool.query('vacuum analyze document_chunks');
    await pool.query('vacuum analyze document_chunk_stats');
    const afterStranger = { readable: await observe('readable'), global: await observe('global') };
    const strangerSame = (await snapshot()) === beforeRows;

    // ---------------------------------------------------------------- statistics upkeep
    // the previous global triggers, created from the built (removed) migration and backfilled,
    // so the three ways of indexing a document compare on the same data
    const { Migration20261126070000_retrieval: GlobalStats } = require(
      path.join(
        root,
        'dist/apps/api/libs/database/src/migrations/Migration20261126070000_retrieval.js',
      ),
    );
    const globalStats = new GlobalStats(null, null);
    await globalStats.up();
    for (const sql of globalStats.getQueries()) await pool.query(sql);
    const TRIGGERS = {
      'per document': ['insert', 'delete', 'update', 'truncate'].map(
        (op) => `document_chunks_chunk_stats_${op}`,
      ),
      global: ['insert', 'delete', 'update', 'truncate'].map((op) => `document_chunks_stats_${op}`),
    };
    const upkeep = { none: [], global: [], 'per document': [] };
    const upkeepClient = await pool.connect();
    try {
      // rounds of each mode in turn; switching triggers invalidates cached plans, so each block
      // starts with an unmeasured document
      let next = 0;
      for (let round = 0; round < 3; round += 1) {
        for (const mode of Object.keys(upkeep)) {
          for (const [name, triggers] of Object.entries(TRIGGERS)) {
            for (const trigger of triggers) {
              await upkeepClient.query(
                `alter table document_chunks ${name === mode ? 'enable' : 'disable'} trigger ${trigger}`,
              );
            }
          }
          for (let i = 0; i < 5; i += 1) {
            const d = documents[next++ % documents.length];
            const t0 = performance.now();
            await indexDocument(upkeepClient, d.id, d.texts);
            if (i > 0) upkeep[mode].push(performance.now() - t0);
          }
        }
      }
    } finally {
      upkeepClient.release();
    }

    const loadAfter = os.loadavg();
    const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const summary = [
      `data: ${sizes.chunks} chunks in ${DOCUMENTS + 1} documents, ${MEMBERS} members + an admin + a stranger; document_chunk_stats ${sizes.stat_rows} rows, ${round(sizes.stats_bytes / 2 ** 10)} kB (the global table held ${round(sizes.global_bytes / 2 ** 20, 2)} MB; document_chunks ${round(sizes.chunk_bytes / 2 ** 20)} MB); loading ${DOCUMENTS} documents through the triggers took ${round(loadSeconds)} s`,
      `latency, mean of per-question medians: readable/global ${ratios.map((r) => round(r, 2)).join(', ')}`,
      `admin (reads everything): same hits and scores as with global statistics: ${adminSame ? 'yes (checked on every question)' : 'NO'}`,
      `timing: a member's latency (fastest of ${3 * REPEATS} runs, mean over ${probe.length} questions) before → after a stranger adds ${STRANGER_CHUNKS} chunks holding every word of them: readable set ${round(beforeStranger.readable)} → ${round(afterStranger.readable)} ms (${round(((afterStranger.readable - beforeStranger.readable) * 1000) / STRANGER_CHUNKS, 2)} µs per stranger chunk), global ${round(beforeStranger.global)} → ${round(afterStranger.global)} ms; hits, order and scores unchanged for the readable set: ${strangerSame ? 'yes (checked)' : 'NO'}`,
      `statistics upkeep, a ${CHUNKS_PER_DOCUMENT}-chunk document's delete + insert (the indexer's statements), mean of 12: ${round(mean(upkeep['per document']))} ms with the per-document triggers, ${round(mean(upkeep.global))} ms with the previous global ones, ${round(mean(upkeep.none))} ms with none`,
      `load average ${loadBefore.map((l) => l.toFixed(2)).join(' / ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' / ')} after (2 cores shared)`,
    ].join('\n');

    const table = [
      '| caller | limit | global mean ms | global max ms | readable mean ms | readable max ms | readable/global |',
      '| --- | --: | --: | --: | --: | --: | --: |',
      ...rows.map(
        (r) =>
          `| ${r.caller} | ${r.limit} | ${r['global mean ms']} | ${r['global max ms']} | ${r['readable mean ms']} | ${r['readable max ms']} | ${r['readable/global']} |`,
      ),
    ].join('\n');
    await writeResults(
      RESULTS_HEADING,
      `${RESULTS_HEADING}

\`npm run build && npm run bench -- search\` (bench/search.bench.js): the query \`GET /search\` and
chat retrieval run (scoredChunks from the build: df counted on the candidates among the caller's
readable documents, N and avgdl summed from \`document_chunk_stats\` over them) against the
previous query with global statistics, on the same generated data in the same run (SQL only, no
HTTP). Per question the median of ${REPEATS} runs, the two queries alternating; 12 coffee
questions whose words fill 60% of every chunk (many candidates: a worst case). A first version
kept per-(document, lexeme) statistics rows instead: on this data 1.0 million rows and 146 MB,
more than \`document_chunks\` itself, for no faster queries, so df is counted on the candidates.

- date: ${new Date().toISOString()}
- machine: ${os.cpus().length} cores (nproc), node ${process.version}, PostgreSQL on the same machine
${summary
  .split('\n')
  .map((line) => `- ${line}`)
  .join('\n')}

${table}
`,
    );
    const all = Object.values(rows);
    await writeFigures('search', {
      readableOverGlobalMean:
        all.reduce((sum, r) => sum + Number(r['readable/global']), 0) / all.length,
      readableMeanMsMax: Math.max(...all.map((r) => Number(r['readable mean ms']))),
      globalMeanMsMax: Math.max(...all.map((r) => Number(r['global mean ms']))),
      chunks: DOCUMENTS * CHUNKS_PER_DOCUMENT,
    });
    return { rows, summary };
  } finally {
    await pool?.end();
    if (created && process.env.BENCH_SEARCH_KEEP_DATABASE === '1') {
      console.log(`kept database ${databaseName}`);
    } else if (created) {
      await adminQuery(serverUrl, `drop database if exists "${databaseName}" with (force)`);
    }
  }
}

module.exports = {
  description: 'search ranking over the caller’s readable documents vs global statistics (SQL)',
  run,
};
