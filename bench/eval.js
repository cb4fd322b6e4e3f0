#!/usr/bin/env node
'use strict';
// Answer quality (issue 15), end to end through the BUILT api and worker, beside plain Okapi BM25
// computed in the same run over the same documents.
//
// Sets (each owned by its own user, so each is its own readable set and its own statistics):
//   dev      ../shared/eval/squad2-dev-5-articles.json (SQuAD 2.0 dev, 5 articles): each
//            paragraph uploaded as one .txt document; its 705 questions, gold = its paragraph
//   coffee   test/fixtures/retrieval: 53 one-paragraph .txt documents, 60 questions (own set)
//   corpus   the ingestible files of ../shared/corpus (pdf, docx), 12 questions (own set)
//
// Search: every question as GET /api/v1/search?q=…&limit=5 (and again with &group=document),
// counted by distinct documents in the hits, in rank order: recall@1, recall@5, MRR, no-result
// rate. Baseline: Okapi BM25 (k1 1.2, b 0.75) over PostgreSQL's `english` lexemes of each
// document's text (one unit per paragraph for dev and coffee; for the corpus files, their stored
// chunks, collapsed to documents), lexemes from the same database; equal scores in the api's
// order (by chunk id).
// Chat: every dev question (or a seeded sample of EVAL_CHAT_SAMPLE of them), each in a new session, through
// POST /api/v1/chat/sessions/:id/messages (the configured generator, extractive by default):
// cites-the-right-paragraph rate (any citation / first citation), answer-contains-a-gold-span rate
// (case- and punctuation-insensitive), answer length in words (median, p90).
//
//   npm run build && npm run eval
//   EVAL_LIMIT=100        only the first 100 dev questions (a quick run; all paragraphs still go in)
//   EVAL_CHAT_SAMPLE=100  chat on a seeded sample of 100 dev questions (a 100-question sample
//                         moved the citation rate by ±5 points: 80% against 85.8% for all 705)
//   EVAL_CHAT_SAMPLE=0    no chat
//   EVAL_KEEP_DATABASE=1  keeps the database docent_bench_<id> for a look
//   EVAL_MISSES=DIR       writes each set's search misses (not in the top 5) to DIR/<set>-misses.json
//
// Own environment, removed afterwards: a database docent_bench_<id> (migrated with the built
// migrate entry), a Redis key prefix, a temporary STORAGE_DIR, a private copy of dist/.
const { randomBytes } = require('node:crypto');
const { readFileSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { URL } = require('node:url');
const { Client } = require('pg');
const { privateBuild, runNode, startChild, stopChild, waitReady } = require('./processes.js');
const {
  adminQuery,
  deleteKeys,
  freePort,
  prng,
  sleep,
  writeFigures,
  writeResults,
} = require('./support.js');
const {
  bm25Ranking,
  bm25Stats,
  containsGold,
  mapLimit,
  percentile,
  quality,
  sample,
  words,
} = require('./eval-support.js');

const root = path.resolve(__dirname, '..');
const DEV_FILE = path.resolve(root, '../shared/eval/squad2-dev-5-articles.json');
const CORPUS_DIR = path.resolve(root, '../shared/corpus');
const FIXTURES = path.join(root, 'test/fixtures/retrieval');
const LIMIT = Number(process.env.EVAL_LIMIT ?? Infinity);
const CHAT_SAMPLE = Number(process.env.EVAL_CHAT_SAMPLE ?? Number.MAX_SAFE_INTEGER);
const CHAT_SEED = 15;
const CONCURRENCY = 4;
const RESULTS_HEADING = '## eval: answer quality on SQuAD dev paragraphs and our own questions';

const MIME = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  txt: 'text/plain',
};

/** The three sets: documents `{key, name, content, text?}` and questions `{q, answer, golds?}`. */
function loadSets() {
  const dev = JSON.parse(readFileSync(DEV_FILE, 'utf8'));
  const devDocuments = [];
  const devQuestions = [];
  for (const article of dev.articles) {
    article.paragraphs.forEach((paragraph, i) => {
      const key = `${article.title}-${String(i + 1).padStart(2, '0')}`;
      devDocuments.push({ key, name: `${key}.txt`, content: paragraph.context });
      for (const qa of paragraph.qas) {
        devQuestions.push({ q: qa.question, answer: key, golds: qa.answers });
      }
    });
  }
  const paragraphs = JSON.parse(
    readFileSync(path.join(FIXTURES, 'coffee-paragraphs.json'), 'utf8'),
  );
  const coffeeQuestions = JSON.parse(
    readFileSync(path.join(FIXTURES, 'coffee-questions.json'), 'utf8'),
  );
  // the corpus files ingestion completes and our questions about them (test/chat-retrieval too)
  const corpusSet = JSON.parse(readFileSync(path.join(FIXTURES, 'corpus-questions.json'), 'utf8'));
  return {
    dev: {
      documents: devDocuments,
      questions: devQuestions.slice(0, LIMIT),
      allQuestions: devQuestions,
    },
    coffee: {
      documents: paragraphs.map((p) => ({ key: p.id, name: `${p.id}.txt`, content: p.text })),
      questions: coffeeQuestions,
    },
    corpus: {
      documents: corpusSet.files.map((name) => ({
        key: name,
        name,
        content: readFileSync(path.join(CORPUS_DIR, name)),
      })),
      questions: corpusSet.questions,
      chunkBaseline: true,
    },
  };
}

class Api {
  constructor(url) {
    this.url = url;
  }

  async json(method, route, token, body) {
    const response = await globalThis.fetch(`${this.url}${route}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async register(label, id) {
    const { status, body } = await this.json('POST', '/api/v1/auth/register', undefined, {
      email: `eval-${label}-${id}@example.com`,
      password: `eval passphrase ${randomBytes(12).toString('hex')}`,
      displayName: `Eval ${label}`,
    });
    if (status !== 201) throw new Error(`register answered ${status}: ${JSON.stringify(body)}`);
    return body.accessToken;
  }

  /** Uploads the documents in batches of `perBatch`; their ids by key. */
  async upload(token, documents, perBatch) {
    const ids = new Map();
    for (let start = 0; start < documents.length; start += perBatch) {
      const batch = documents.slice(start, start + perBatch);
      const form = new globalThis.FormData();
      for (const d of batch) {
        const type = MIME[d.name.split('.').pop()] ?? 'application/octet-stream';
        form.append('files', new globalThis.Blob([d.content], { type }), d.name);
      }
      const response = await globalThis.fetch(`${this.url}/api/v1/documents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
      const body = await response.json();
      if (response.status !== 202 || body.accepted?.length !== batch.length) {
        throw new Error(
          `upload answered ${response.status}: ${JSON.stringify(body).slice(0, 2000)}`,
        );
      }
      body.accepted.forEach((document, i) => ids.set(batch[i].key, document.id));
    }
    return ids;
  }

  async search(token, q, extra = '') {
    const query = new globalThis.URLSearchParams({ q, limit: '5' });
    const { status, body } = await this.json('GET', `/api/v1/search?${query}${extra}`, token);
    if (status !== 200) throw new Error(`search answered ${status}: ${JSON.stringify(body)}`);
    return body.items;
  }

  async ask(token, question) {
    const session = await this.json('POST', '/api/v1/chat/sessions', token, {});
    if (session.status !== 201) throw new Error(`session answered ${session.status}`);
    const answer = await this.json(
      'POST',
      `/api/v1/chat/sessions/${session.body.id}/messages`,
      token,
      { content: question },
    );
    if (answer.status !== 201) {
      throw new Error(`ask answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    return answer.body.assistantMessage;
  }
}

/**
 * Waits until every chunk of the documents has its sentence-encoder vector (the worker embeds
 * them after indexing); returns the seconds waited. Nothing to wait for with embeddings off.
 */
async function waitEmbedded(db, ids, enabled, timeoutMs = 10 * 60_000) {
  if (!enabled) return 0;
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query(
      `select count(*)::int as n from document_chunks c
        where c.document_id = any($1::uuid[])
          and not exists (select 1 from document_chunk_embeddings e where e.chunk_id = c.id)`,
      [ids],
    );
    if (rows[0].n === 0) return (performance.now() - started) / 1000;
    if (Date.now() > deadline) throw new Error(`${rows[0].n} chunks still without a vector`);
    await sleep(200);
  }
}

/** Waits until every document is completed or failed; the failed ones' codes. */
async function waitIngested(db, ids, timeoutMs = 10 * 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query(
      `select status, error_code, count(*)::int as n from documents
        where id = any($1::uuid[]) group by status, error_code`,
      [ids],
    );
    const done = rows
      .filter((r) => r.status === 'completed' || r.status === 'failed')
      .reduce((s, r) => s + r.n, 0);
    if (done === ids.length) return rows.filter((r) => r.status === 'failed');
    if (Date.now() > deadline) throw new Error(`ingestion not done: ${JSON.stringify(rows)}`);
    await sleep(200);
  }
}

/** Lexeme bags (lexeme → tf) of texts, from PostgreSQL's `english` configuration. */
async function bags(db, texts) {
  const { rows } = await db.query(
    `select x.ord::int as ord, u.lexeme, coalesce(array_length(u.positions, 1), 1)::int as tf
       from jsonb_array_elements_text($1::jsonb) with ordinality as x(t, ord)
       cross join lateral unnest(to_tsvector('english', x.t)) u`,
    [JSON.stringify(texts)],
  );
  const out = texts.map(() => new Map());
  for (const row of rows) out[row.ord - 1].set(row.lexeme, row.tf);
  return out;
}

/** The baseline's document rankings for a set's questions. */
async function baseline(db, set, ids) {
  let units;
  if (set.chunkBaseline) {
    const keyOf = new Map([...ids].map(([key, id]) => [id, key]));
    const { rows } = await db.query(
      `select document_id, content from document_chunks
        where document_id = any($1::uuid[]) order by document_id, chunk_index`,
      [[...ids.values()]],
    );
    const chunkBags = await bags(
      db,
      rows.map((r) => r.content),
    );
    units = rows.map((r, i) => ({ key: keyOf.get(r.document_id), bag: chunkBags[i] }));
  } else {
    const docBags = await bags(
      db,
      set.documents.map((d) => d.content),
    );
    // equal scores in the order the api breaks them: by (the smallest) chunk id
    const { rows } = await db.query(
      `select document_id, min(id::text) as first from document_chunks
        where document_id = any($1::uuid[]) group by document_id`,
      [[...ids.values()]],
    );
    const first = new Map(rows.map((r) => [r.document_id, r.first]));
    units = set.documents
      .map((d, i) => ({ key: d.key, bag: docBags[i], order: first.get(ids.get(d.key)) ?? '' }))
      .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  }
  const stats = bm25Stats(units);
  const questionBags = await bags(
    db,
    set.questions.map((q) => q.q),
  );
  return questionBags.map((bag) => bm25Ranking([...bag.keys()], units, stats));
}

const pct = (x) => `${(x * 100).toFixed(1)}%`;
const fixed = (x, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

async function run() {
  const sets = loadSets();
  const { tmp, app, apiEntry, workerEntry, migrateEntry } = privateBuild('eval');
  const { loadConfig, DEFAULTS } = require(
    path.join(app, 'dist/apps/api/libs/config/src/index.js'),
  );
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const serverUrl = process.env.DATABASE_URL ?? DEFAULTS.DATABASE_URL;
  const databaseName = `docent_bench_${id}`;
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${databaseName}`;
  const [apiPort, workerPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    WORKER_HTTP_PORT: String(workerPort),
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    DATABASE_URL: databaseUrl.toString(),
    REDIS_KEY_PREFIX: `docent-eval:${id}:`,
    STORAGE_DIR: path.join(tmp, 'storage'),
    RATE_LIMIT: '1000000/1s',
    RATE_LIMIT_AUTH: '1000000/1s',
    RATE_LIMIT_UPLOAD: '1000000/1s',
    RATE_LIMIT_CHAT: '1000000/1s',
    JWT_ACCESS_TTL: '6h',
  };
  const config = loadConfig(env);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const api = new Api(apiUrl);
  const started = performance.now();
  const loadBefore = os.loadavg()[0];
  let created = false;
  let apiChild;
  let worker;
  let db;
  try {
    await adminQuery(serverUrl, `create database "${databaseName}"`);
    created = true;
    await runNode(migrateEntry, ['up'], env, app);
    apiChild = startChild('api', apiEntry, env, path.join(tmp, 'api.log'), app);
    worker = startChild('worker', workerEntry, env, path.join(tmp, 'worker.log'), app);
    await waitReady(apiChild, `${apiUrl}/health/ready`);
    await waitReady(worker, `http://127.0.0.1:${workerPort}/health/ready`);
    db = new Client({ connectionString: databaseUrl.toString() });
    await db.connect();

    // ------------------------------------------------------------ ingestion
    const ingestStart = performance.now();
    const owned = {};
    const allIds = [];
    for (const [name, set] of Object.entries(sets)) {
      const token = await api.register(name, id);
      const ids = await api.upload(token, set.documents, config.documents.uploadMaxFiles);
      owned[name] = { token, ids };
      allIds.push(...ids.values());
    }
    const failed = await waitIngested(db, allIds);
    const ingestSeconds = (performance.now() - ingestStart) / 1000;
    const embedSeconds = await waitEmbedded(db, allIds, config.documents.embeddings);
    const { rows: chunkCounts } = await db.query(
      `select count(*)::int as chunks, count(distinct document_id)::int as documents
         from document_chunks where document_id = any($1::uuid[])`,
      [[...owned.dev.ids.values()]],
    );
    console.log(
      `ingested ${allIds.length} documents in ${ingestSeconds.toFixed(1)} s` +
        `, their chunks' vectors ${embedSeconds.toFixed(1)} s later` +
        ` (dev: ${chunkCounts[0].chunks} chunks in ${chunkCounts[0].documents} documents;` +
        ` failed: ${JSON.stringify(failed)})`,
    );

    // ------------------------------------------------------------ search
    const searchStart = performance.now();
    const figures = {};
    const rows = [];
    for (const [name, set] of Object.entries(sets)) {
      const { token, ids } = owned[name];
      const keyOf = new Map([...ids].map(([key, docId]) => [docId, key]));
      const expected = set.questions.map((q) => q.answer);
      const variants = { api: '', 'api group=document': '&group=document' };
      const measured = {};
      for (const [variant, extra] of Object.entries(variants)) {
        try {
          const hits = await mapLimit(set.questions, CONCURRENCY, (q) =>
            api.search(token, q.q, extra),
          );
          if (process.env.EVAL_MISSES && variant === 'api') {
            const misses = set.questions
              .map((q, i) => ({
                q: q.q,
                expected: q.answer,
                got: [...new Set(hits[i].map((item) => keyOf.get(item.documentId)))],
              }))
              .filter((m) => !m.got.slice(0, 5).includes(m.expected));
            require('node:fs').writeFileSync(
              path.join(process.env.EVAL_MISSES, `${name}-misses.json`),
              JSON.stringify(misses, null, 1),
            );
          }
          measured[variant] = {
            q: quality(
              hits.map((items) => items.map((item) => keyOf.get(item.documentId))),
              expected,
            ),
            hitsPerQuestion: hits.reduce((s, h) => s + h.length, 0) / hits.length,
          };
        } catch (error) {
          if (!/answered 400/.test(String(error))) throw error;
          console.log(`${name}: ${variant} not supported by this build`);
        }
      }
      measured['plain BM25'] = { q: quality(await baseline(db, set, ids), expected) };
      for (const [variant, { q, hitsPerQuestion }] of Object.entries(measured)) {
        rows.push({
          set: `${name} (${set.documents.length} documents, ${set.questions.length} questions)`,
          ranker: variant,
          'recall@1': fixed(q.recallAt1),
          'recall@5': fixed(q.recallAt5),
          MRR: fixed(q.mrr),
          'no result': pct(q.noResult),
          'hits per question': hitsPerQuestion === undefined ? '' : fixed(hitsPerQuestion, 2),
        });
        const prefix = `${name} ${variant}`;
        figures[`${prefix} recall@1`] = q.recallAt1;
        figures[`${prefix} recall@5`] = q.recallAt5;
        figures[`${prefix} MRR`] = q.mrr;
        figures[`${prefix} no-result rate`] = q.noResult;
      }
    }
    const searchSeconds = (performance.now() - searchStart) / 1000;
    console.table(rows);

    // ------------------------------------------------------------ chat
    let chat;
    if (CHAT_SAMPLE > 0) {
      const chatStart = performance.now();
      const { token, ids } = owned.dev;
      const keyOf = new Map([...ids].map(([key, docId]) => [docId, key]));
      const picked = sample(sets.dev.allQuestions, CHAT_SAMPLE, prng(CHAT_SEED));
      const answers = await mapLimit(picked, 2, (q) => api.ask(token, q.q));
      let citesAny = 0;
      let citesFirst = 0;
      let gold = 0;
      const lengths = [];
      const examples = [];
      answers.forEach((message, i) => {
        const q = picked[i];
        const cited = (message.citations ?? []).map((c) => keyOf.get(c.documentId));
        if (cited.includes(q.answer)) citesAny += 1;
        if (cited[0] === q.answer) citesFirst += 1;
        const hasGold = containsGold(message.content, q.golds);
        if (hasGold) gold += 1;
        lengths.push(words(message.content));
        if (examples.length < 3 && i % 7 === 0) {
          examples.push({ q: q.q, golds: q.golds, answer: message.content, hasGold });
        }
      });
      const n = answers.length;
      chat = {
        n,
        citesAny: citesAny / n,
        citesFirst: citesFirst / n,
        gold: gold / n,
        medianWords: percentile(lengths, 50),
        p90Words: percentile(lengths, 90),
        seconds: (performance.now() - chatStart) / 1000,
        examples,
      };
      Object.assign(figures, {
        'chat questions': n,
        'chat cites the right paragraph': chat.citesAny,
        'chat first citation is the right paragraph': chat.citesFirst,
        'chat answer contains a gold span': chat.gold,
        'chat answer words median': chat.medianWords,
        'chat answer words p90': chat.p90Words,
      });
      console.log(
        `chat (${n} dev questions, seed ${CHAT_SEED}): cites the right paragraph ${pct(chat.citesAny)}` +
          ` (first citation ${pct(chat.citesFirst)}), contains a gold span ${pct(chat.gold)},` +
          ` words median ${chat.medianWords}, p90 ${chat.p90Words}`,
      );
      for (const e of examples) console.log(JSON.stringify(e));
    }

    const totalSeconds = (performance.now() - started) / 1000;
    const loadAfter = os.loadavg()[0];
    if (Number.isFinite(LIMIT)) {
      console.log('EVAL_LIMIT is set: figures not written');
      return { rows, summary: `quick run in ${totalSeconds.toFixed(0)} s` };
    }
    figures['dev chunks'] = chunkCounts[0].chunks;
    figures['ingestion seconds'] = ingestSeconds;
    figures['search seconds'] = searchSeconds;
    figures['total seconds'] = totalSeconds;
    await writeFigures('eval', figures);
    const table = [
      '| set | ranker | recall@1 | recall@5 | MRR | no result |',
      '|---|---|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.set} | ${r.ranker} | ${r['recall@1']} | ${r['recall@5']} | ${r.MRR} | ${r['no result']} |`,
      ),
    ];
    const chatLines = chat
      ? [
          `Chat, ${chat.n} dev questions drawn with seed ${CHAT_SEED}, each in a new session`,
          `(extractive generator unless LLM_* is configured): cites the right paragraph`,
          `${pct(chat.citesAny)} (the first citation: ${pct(chat.citesFirst)}); the answer`,
          `contains a gold span ${pct(chat.gold)}; answer length in words median`,
          `${chat.medianWords}, p90 ${chat.p90Words}.`,
        ]
      : ['Chat: not measured (EVAL_CHAT_SAMPLE=0).'];
    await writeResults(
      RESULTS_HEADING,
      [
        RESULTS_HEADING,
        '',
        `\`npm run eval\` (bench/eval.js), ${new Date().toISOString().slice(0, 10)}, ` +
          `${os.availableParallelism()} cores, load ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}, ` +
          `${totalSeconds.toFixed(0)} s in all (ingestion ${ingestSeconds.toFixed(0)} s, ` +
          `${chunkCounts[0].chunks} chunks for the ${chunkCounts[0].documents} dev paragraphs).`,
        '',
        'Every question through `GET /api/v1/search?q=…&limit=5` of the built api (each set owned by',
        'its own user), counted by distinct documents in the hits in rank order. Plain BM25: Okapi',
        '(k1 1.2, b 0.75) over PostgreSQL `english` lexemes, one unit per paragraph (dev, coffee) or',
        'per stored chunk collapsed to documents (corpus), computed in the same run.',
        '',
        ...table,
        '',
        ...chatLines,
      ].join('\n'),
    );
    return { rows, summary: `eval in ${totalSeconds.toFixed(0)} s` };
  } finally {
    await db?.end().catch(() => {});
    await stopChild(apiChild);
    await stopChild(worker);
    await deleteKeys(env.REDIS_URL ?? DEFAULTS.REDIS_URL, env.REDIS_KEY_PREFIX).catch(() => {});
    if (created && process.env.EVAL_KEEP_DATABASE !== '1') {
      await adminQuery(serverUrl, `drop database if exists "${databaseName}" with (force)`).catch(
        (error) => console.error(`could not drop ${databaseName}: ${error.message}`),
      );
    } else if (created) {
      console.log(`kept database ${databaseName}`);
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

module.exports = {
  description: 'eval: answer quality on SQuAD dev paragraphs and our own questions vs plain BM25',
  run,
};

if (require.main === module) {
  const { existsSync } = require('node:fs');
  if (existsSync(path.join(root, '.env'))) process.loadEnvFile(path.join(root, '.env'));
  run().then(
    (result) => console.log(result.summary),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
