// The bare baseline of the chat benchmark (bench/chat.bench.js): a Fastify server with its own
// ioredis client and `pg` pool doing, per request, the same Redis commands, the same SQL and the
// same AES-256-GCM work as Docent's chat endpoints, written out by hand:
//
//   every request   HS256 verification of the access token (jsonwebtoken, a KeyObject made from
//                   JWT_ACCESS_SECRET exactly as libs/auth does, same options), the guard's
//                   MGET (session revoked?, caller state, session owner, role version), the
//                   throttler's script (twice for a question: the general and the chat limit),
//                   and what bench/bare-support.js adds (headers, histogram, request log line)
//   GET messages    the page script (the BUILT libs/chat/src/history/chat-history.scripts.js,
//                   EVALSHA) returning the owner and `limit` messages, opening every value once
//                   the owner is checked, JSON {items, nextCursor}
//   POST messages   HGETALL of the session meta + opening its sealed title (ChatService.loadOwned);
//                   the retrieval SQL (libs/documents/src/retrieval/bm25-query.ts, same shape and
//                   binds; scope = the caller's completed documents or those shared with them)
//                   in parallel with the page script for the last 6 turns (opened); the
//                   extractive generator's stemming query (TextAnalyzer) and a sentence pick by
//                   IDF coverage (the question's idf comes with the retrieval rows); sealing
//                   both messages; the append script; the index MULTI; the usage upsert;
//                   201 {userMessage, assistantMessage}
//
// What it does not do, and Docent does: Nest's pipeline (guards, CASL ability, class-validator,
// interceptors, the exception filter), MikroORM.
const {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hkdfSync,
  randomBytes,
} = require('node:crypto');
const { Buffer } = require('node:buffer');
const { bareServer } = require('./bare-support.js');
const jwt = require('jsonwebtoken');

const TOKEN_VERSION = 'v1';
const SEAL_KDF_INFO = Buffer.from('docent/seal/v1', 'ascii');
const HISTORY_TURNS = 6;
const K1 = 1.2;
const B = 0.75;
const SHORTLIST_FACTOR = 20;
const SHORTLIST_MIN = 200;

/** The page script, from the build (the same text Docent registers). */
const { PAGE_SCRIPT } = require(
  require('node:path').resolve(
    __dirname,
    '../dist/apps/api/libs/chat/src/history/chat-history.scripts.js',
  ),
);

/** The append script, verbatim. */
const APPEND_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('RPUSH', KEYS[2], unpack(ARGV, 4))
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
local count = redis.call('LLEN', KEYS[2])
redis.call('HSET', KEYS[1], 'lastActivityAt', ARGV[3], 'messageCount', count)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return count
`;

const metaKey = (id) => `chat:{${id}}:meta`;
const messagesKey = (id) => `chat:{${id}}:messages`;
const userIndexKey = (id) => `chat:user:{${id}}:sessions`;
const messageAad = (sessionId, messageId) => `docent:chat:${sessionId}:message:${messageId}`;
const titleAad = (sessionId) => `docent:chat:${sessionId}:title`;

/** AES-256-GCM values in the Keyring's format, with node:crypto only. */
function makeSealer(encryptionKeys, activeKeyId) {
  const keys = new Map();
  for (const [id, master] of encryptionKeys) {
    keys.set(id, Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), SEAL_KDF_INFO, 32)));
  }
  const aadOf = (keyId, aad) =>
    Buffer.concat([Buffer.from(`${TOKEN_VERSION}.${keyId}.`, 'ascii'), Buffer.from(aad, 'utf8')]);
  return {
    seal(plaintext, aad) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys.get(activeKeyId), iv, {
        authTagLength: 16,
      });
      cipher.setAAD(aadOf(activeKeyId, aad));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [
        TOKEN_VERSION,
        activeKeyId,
        iv.toString('base64url'),
        ciphertext.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ].join('.');
    },
    open(token, aad) {
      const [version, keyId, iv, ciphertext, tag] = token.split('.');
      const key = keys.get(keyId);
      if (version !== TOKEN_VERSION || !key || tag === undefined) {
        throw new Error('malformed sealed value');
      }
      const tagBytes = Buffer.from(tag, 'base64url');
      if (tagBytes.length !== 16) throw new Error('bad tag length');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
        authTagLength: 16,
      });
      decipher.setAAD(aadOf(keyId, aad));
      decipher.setAuthTag(tagBytes);
      const plaintext = decipher.update(Buffer.from(ciphertext, 'base64url'));
      decipher.final();
      return plaintext.toString('utf8');
    },
  };
}

const quoted = (column) =>
  `'''' || replace(replace(${column}, '\\', '\\\\'), '''', '''''') || ''''`;
const matched = (tsv) =>
  `select u.lexeme, coalesce(array_length(u.positions, 1), 1)::float8 as tf
     from unnest(ts_filter(setweight(${tsv}, 'A', tq.lexemes), '{a}')) u`;

/**
 * The SQL ChunkRetriever runs (scoredChunks with DEFAULT_RANKING, proximity off, and the terms
 * column), in `pg` placeholders. Binds: $1 question, $2 k1, $3 b, $4 caller id, $5 shortlist,
 * $6 limit.
 */
const RETRIEVAL_SQL = `
with readable as materialized (
  select d.id from documents as d
   where (d.owner_id = $4 or d.id in (select s.document_id from document_shares as s where s.user_id = $4))
     and d.status = 'completed'
), q as (
  select lexeme from unnest(tsvector_to_array(to_tsvector('english', $1::text))) as lexeme
), tq as (
  select string_agg(${quoted('lexeme')}, ' | ')::tsquery as query, array_agg(lexeme) as lexemes
    from q
), hits as materialized (
  select c.id, c.document_id, t.lexeme, t.tf
    from document_chunks c
    cross join tq
    cross join lateral (${matched('c.tsv')}) t
   where tq.query is not null and c.tsv @@ tq.query
     and c.document_id = any(array(select id from readable))
), corpus as (
  select coalesce(sum(s.chunks), 0)::float8 as n,
         coalesce(sum(s.tokens)::float8 / nullif(sum(s.chunks), 0), 1) as avgdl
    from readable r join document_chunk_stats s on s.document_id = r.id
), df as (
  select lexeme, count(*)::float8 as df from hits group by lexeme
), w as (
  select q.lexeme,
         ln(1 + (greatest(corpus.n, coalesce(df.df, 0)) - coalesce(df.df, 0) + 0.5)
                / (coalesce(df.df, 0) + 0.5)) as idf
    from q cross join corpus left join df on df.lexeme = q.lexeme
), shortlist as (
  select h.id
    from hits h join w on w.lexeme = h.lexeme
   group by h.id
   order by sum(w.idf * h.tf * ($2::float8 + 1) / (h.tf + $2::float8)) desc, h.id
   limit $5
)
select c.id as chunk_id, c.document_id, d.filename, c.page, c.content,
       (select json_agg(json_build_object('lexeme', w.lexeme, 'idf', w.idf) order by w.lexeme)
          from w) as terms,
       bm25.score as score
  from shortlist
  join document_chunks as c on c.id = shortlist.id
  join documents as d on d.id = c.document_id
  cross join tq
  cross join corpus
  cross join lateral (
    select sum(coalesce(array_length(u.positions, 1), 1))::float8 as dl from unnest(c.tsv) u
  ) len
  cross join lateral (
    select coalesce(sum(
             w.idf * t.tf * ($2::float8 + 1)
             / (t.tf + $2::float8 * (1 - $3::float8 + $3::float8 * len.dl / greatest(corpus.avgdl, 1)))
           ), 0) as score
      from (${matched('c.tsv')}) t join w on w.lexeme = t.lexeme
  ) bm25
 order by score desc, c.id asc
 limit $6`;

/** TextAnalyzer's stemming query (the question's weights come with the retrieval). */
const LEXEMES_SQL = `select tsvector_to_array(to_tsvector('english', t)) as lexemes
   from jsonb_array_elements_text($1::jsonb) with ordinality as x(t, ord)
  order by x.ord`;

const USAGE_SQL = `insert into usage_daily as u (user_id, day, uploads, bytes_ingested, questions, answer_tokens)
  values ($1, $2::date, 0, 0, 1, $3)
  on conflict (user_id, day) do update set
    uploads = u.uploads + excluded.uploads,
    bytes_ingested = u.bytes_ingested + excluded.bytes_ingested,
    questions = u.questions + excluded.questions,
    answer_tokens = u.answer_tokens + excluded.answer_tokens`;

const NO_ANSWER = 'The documents do not contain the answer to this question.';

/** A time-ordered UUID (v7 layout) without a library. */
function uuidv7() {
  const bytes = randomBytes(16);
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i += 1) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Starts the bare server. `redis` is an ioredis client with the api's key prefix, `pool` a pg
 * Pool on the bench database; `config` the loaded Docent configuration.
 */
async function startBaseline({ redis, pool, config, logStream }) {
  const key = createSecretKey(Buffer.from(config.auth.jwtAccessSecret, 'utf8'));
  const sealer = makeSealer(config.storage.encryptionKeys, config.storage.activeKeyId);
  const { sessionTtlMs, maxMessages, retrievalLimit } = config.chat;
  redis.defineCommand('benchChatPage', { numberOfKeys: 2, lua: PAGE_SCRIPT });
  redis.defineCommand('benchChatAppend', { numberOfKeys: 2, lua: APPEND_SCRIPT });
  const verifyOptions = {
    algorithms: ['HS256'],
    issuer: config.auth.jwtIssuer,
    audience: config.auth.jwtAudience,
    clockTolerance: 5,
  };
  const deny = (reply, status = 401) =>
    reply.code(status).send({ status, code: status === 404 ? 'not_found' : 'invalid_token' });

  /** The guard: the caller, or null. */
  async function caller(request) {
    const authorization = request.headers.authorization ?? '';
    if (!authorization.startsWith('Bearer ')) return null;
    const token = authorization.slice(7);
    let header;
    try {
      header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (header?.typ !== 'at+jwt' || header.alg !== 'HS256') return null;
    let payload;
    try {
      payload = jwt.verify(token, key, verifyOptions);
    } catch {
      return null;
    }
    const { sub, sid, role } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof role !== 'string') return null;
    const [revoked, state, owner] = await redis.mget(
      `auth:session-revoked:${sid}`,
      `auth:user:${sub}`,
      `auth:session-owner:${sid}`,
      `authz:role-version:${role}`,
    );
    if (revoked !== null || !state || owner !== sub) return null;
    const user = JSON.parse(state);
    return user.status === 'active' ? { id: sub, role: user.role } : null;
  }

  /** The session meta, title opened; null unless it exists and belongs to the caller. */
  async function ownedSession(sessionId, userId) {
    const hash = await redis.hgetall(metaKey(sessionId));
    if (!hash.id || hash.userId !== userId) return null;
    return {
      id: sessionId,
      userId: hash.userId,
      title: sealer.open(hash.title, titleAad(sessionId)),
      documentIds: JSON.parse(hash.documentIds ?? 'null'),
    };
  }

  const decode = (sessionId, element) => {
    const at = element.indexOf('|');
    const id = element.slice(0, at);
    const body = JSON.parse(sealer.open(element.slice(at + 1), messageAad(sessionId, id)));
    return {
      id,
      role: body.role,
      content: body.content,
      citations: body.citations,
      createdAt: body.createdAt,
    };
  };
  const encode = (sessionId, message) =>
    `${message.id}|${sealer.seal(
      JSON.stringify({
        role: message.role,
        content: message.content,
        citations: message.citations,
        createdAt: message.createdAt,
      }),
      messageAad(sessionId, message.id),
    )}`;

  /** The page and its owner in one script call; opened only for `userId`. */
  async function page(sessionId, limit, userId) {
    const [owner, start, elements] = await redis.benchChatPage(
      metaKey(sessionId),
      messagesKey(sessionId),
      '',
      limit,
    );
    if (owner !== userId) return null;
    if (start === undefined || !elements) return { items: [], hasMore: false };
    return { items: elements.map((e) => decode(sessionId, e)), hasMore: start > 0 };
  }

  const { app, throttle } = bareServer({
    redis,
    logStream,
    corsOrigins: config.app.corsOrigins,
  });

  app.get('/sessions/:id/messages', async (request, reply) => {
    const user = await caller(request);
    if (!user) return deny(reply);
    if (!(await throttle('messages-get', user.id))) return deny(reply, 429);
    const limit = Math.min(100, Math.max(1, Number(request.query.limit ?? 20)));
    const found = await page(request.params.id, limit, user.id);
    if (!found) return deny(reply, 404);
    const { items, hasMore } = found;
    return { items, nextCursor: hasMore && items.length > 0 ? items[0].id : null };
  });

  app.post('/sessions/:id/messages', async (request, reply) => {
    const user = await caller(request);
    if (!user) return deny(reply);
    if (!(await throttle('messages-post', user.id))) return deny(reply, 429);
    if (!(await throttle('messages-post-chat', user.id))) return deny(reply, 429);
    const session = await ownedSession(request.params.id, user.id);
    if (!session) return deny(reply, 404);
    const question = String(request.body?.content ?? '').trim();
    const userMessage = {
      id: uuidv7(),
      role: 'user',
      content: question,
      citations: [],
      createdAt: new Date().toISOString(),
    };
    const [{ rows: chunks }] = await Promise.all([
      pool.query(RETRIEVAL_SQL, [
        question,
        K1,
        B,
        user.id,
        Math.max(retrievalLimit * SHORTLIST_FACTOR, SHORTLIST_MIN),
        retrievalLimit,
      ]),
      page(session.id, HISTORY_TURNS, user.id),
    ]);
    // the generator's work, reduced to the same two queries and an IDF-coverage pick
    const sentences = chunks.flatMap((chunk) =>
      chunk.content
        .split(/(?<=[.!?])\s+/)
        .filter((text) => text.trim().length > 0)
        .map((text) => ({ chunk, text })),
    );
    let picked = null;
    if (sentences.length > 0) {
      const texts = await pool.query(LEXEMES_SQL, [JSON.stringify(sentences.map((s) => s.text))]);
      // the question's idf over the caller's readable documents, as retrieval ranked with it
      const weights = new Map((chunks[0].terms ?? []).map((t) => [t.lexeme, t.idf]));
      const total = [...weights.values()].reduce((sum, w) => sum + w, 0);
      let best = -1;
      sentences.forEach((s, i) => {
        const coverage =
          total > 0
            ? [...new Set(texts.rows[i].lexemes)].reduce(
                (sum, l) => sum + (weights.get(l) ?? 0),
                0,
              ) / total
            : 0;
        if (coverage >= 0.5 && coverage > best) {
          best = coverage;
          picked = { ...s, coverage };
        }
      });
    }
    const content = picked ? `${picked.text} [1]` : NO_ANSWER;
    const assistantMessage = {
      id: uuidv7(),
      role: 'assistant',
      content,
      citations: picked
        ? [
            {
              documentId: picked.chunk.document_id,
              filename: picked.chunk.filename,
              page: picked.chunk.page,
              chunkId: picked.chunk.chunk_id,
              snippet: picked.text,
              score: Math.round(picked.coverage * 10000) / 10000,
            },
          ]
        : [],
      createdAt: new Date().toISOString(),
    };
    const now = new Date();
    const count = await redis.benchChatAppend(
      metaKey(session.id),
      messagesKey(session.id),
      sessionTtlMs,
      maxMessages,
      now.toISOString(),
      encode(session.id, userMessage),
      encode(session.id, assistantMessage),
    );
    if (count < 0) return deny(reply, 404);
    const indexKey = userIndexKey(user.id);
    const results = await redis
      .multi()
      .zadd(indexKey, now.getTime(), session.id)
      .zremrangebyscore(indexKey, '-inf', `(${now.getTime() - sessionTtlMs}`)
      .pexpire(indexKey, sessionTtlMs)
      .exec();
    for (const [error] of results) if (error) throw error;
    await pool.query(USAGE_SQL, [
      user.id,
      now.toISOString().slice(0, 10),
      Math.ceil(content.length / 4),
    ]);
    return reply.code(201).send({ userMessage, assistantMessage });
  });

  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

module.exports = { startBaseline };
