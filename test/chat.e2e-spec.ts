import { EntityManager } from '@mikro-orm/postgresql';
import Redis from 'ioredis';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type request from 'supertest';
import { AuditEvent } from '@docent/audit';
import { messagesKey, metaKey, UsageDaily, userIndexKey } from '@docent/chat';
import { indexedDocument } from './support/documents';
import { bearer, signUp, type SignedUp, type Stack, startStack } from './support/stack';
import { CORPUS_DIR as CORPUS } from './support/shared';

const corpus = (name: string) => readFile(join(CORPUS, name));

type Http = ReturnType<typeof request>;
const SESSIONS = '/api/v1/chat/sessions';
const MAX_MESSAGES = 8;

interface Message {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  citations: { documentId: string; filename: string; chunkId: string; snippet: string }[];
  createdAt: string;
}

interface SseEvent {
  event: string;
  data: unknown;
}

describe('chat (SPEC §7)', () => {
  let stack: Stack;
  let http: Http;

  beforeAll(async () => {
    stack = await startStack({
      CHAT_MAX_MESSAGES: String(MAX_MESSAGES),
      RATE_LIMIT_CHAT: '1000/1m',
    });
    http = stack.http;
    // the SSE tests use a raw HTTP client
    await stack.api.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    if (process.env.CHAT_TEST_LOGS) {
      console.log(stack.logs.filter((line) => /"level":(40|50)/.test(line)).join('\n'));
    }
    await stack?.close();
  });

  const register = (role?: string): Promise<SignedUp> => signUp(stack, { role, prefix: 'chat' });

  const indexed = (caller: SignedUp, pages: string[], name?: string) =>
    indexedDocument(stack, caller, pages, { name });

  async function createSession(caller: SignedUp, body: Record<string, unknown> = {}) {
    const res = await http.post(SESSIONS).set(bearer(caller.token)).send(body).expect(201);
    return res.body as { id: string; title: string; documentIds: string[] | null };
  }

  async function ask(caller: SignedUp, sessionId: string, content: string) {
    const res = await http
      .post(`${SESSIONS}/${sessionId}/messages`)
      .set(bearer(caller.token))
      .send({ content })
      .expect(201);
    return res.body as { userMessage: Message; assistantMessage: Message };
  }

  /** A raw HTTP client reading the SSE stream to its end. */
  function askStreaming(
    caller: SignedUp,
    sessionId: string,
    content: string,
  ): Promise<{ status: number; headers: Record<string, unknown>; events: SseEvent[] }> {
    const { port } = stack.api.getHttpServer().address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `${SESSIONS}/${sessionId}/messages`,
          headers: {
            ...bearer(caller.token),
            Accept: 'text/event-stream',
            'Content-Type': 'application/json',
            Origin: 'http://allowed.test',
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            const events = text
              .split('\n\n')
              .filter((block) => block.trim().length > 0 && !block.startsWith(':'))
              .map((block) => {
                const lines = block.split('\n');
                const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
                const data = lines
                  .filter((l) => l.startsWith('data: '))
                  .map((l) => l.slice(6))
                  .join('\n');
                return { event, data: JSON.parse(data) as unknown };
              });
            resolve({ status: res.statusCode ?? 0, headers: res.headers, events });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ content }));
    });
  }

  describe('sessions', () => {
    it('creates (201), reads, renames, lists most recently active first, deletes (204, audited)', async () => {
      const owner = await register();
      const docId = await indexed(owner, ['Quokkas live on Rottnest Island.']);
      const first = await createSession(owner, { title: '  First  ', documentIds: [docId] });
      expect(first).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        title: 'First',
        documentIds: [docId],
        messageCount: 0,
        createdAt: expect.any(String),
        lastActivityAt: expect.any(String),
        expiresAt: expect.any(String),
      });
      const created = first as unknown as { createdAt: string; lastActivityAt: string };
      expect(created.lastActivityAt).toBe(created.createdAt);
      const second = await createSession(owner);
      expect(second.title).toBe('New chat');
      expect(second.documentIds).toBeNull();

      const one = await http.get(`${SESSIONS}/${first.id}`).set(bearer(owner.token)).expect(200);
      expect(one.body).toEqual(first);

      let list = await http.get(SESSIONS).set(bearer(owner.token)).expect(200);
      expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([second.id, first.id]);

      // renaming is activity: the first session moves to the top
      const renamed = await http
        .patch(`${SESSIONS}/${first.id}`)
        .set(bearer(owner.token))
        .send({ title: 'Renamed' })
        .expect(200);
      expect(renamed.body.title).toBe('Renamed');
      list = await http.get(SESSIONS).set(bearer(owner.token)).expect(200);
      expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([first.id, second.id]);

      // cursor pagination
      const page1 = await http
        .get(SESSIONS)
        .query({ limit: 1 })
        .set(bearer(owner.token))
        .expect(200);
      expect(page1.body.items.map((s: { id: string }) => s.id)).toEqual([first.id]);
      expect(page1.body.nextCursor).toEqual(expect.any(String));
      const page2 = await http
        .get(SESSIONS)
        .query({ limit: 1, cursor: page1.body.nextCursor })
        .set(bearer(owner.token))
        .expect(200);
      expect(page2.body).toEqual({
        items: [expect.objectContaining({ id: second.id })],
        nextCursor: null,
      });

      await http.delete(`${SESSIONS}/${first.id}`).set(bearer(owner.token)).expect(204);
      await http.get(`${SESSIONS}/${first.id}`).set(bearer(owner.token)).expect(404);
      await http.get(`${SESSIONS}/${first.id}/messages`).set(bearer(owner.token)).expect(404);
      list = await http.get(SESSIONS).set(bearer(owner.token)).expect(200);
      expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([second.id]);
      const audit = await stack.api
        .get(EntityManager)
        .fork()
        .find(AuditEvent, { action: 'chat.session_deleted', targetId: first.id });
      expect(audit.map((event) => event.actorId)).toEqual([owner.id]);
    });

    it('validates bodies and refuses documents the caller cannot read (422)', async () => {
      const owner = await register();
      const stranger = await register();
      const theirs = await indexed(stranger, ['Private notes about wombats.']);
      for (const body of [
        { title: '' },
        { title: 'x'.repeat(201) },
        { documentIds: ['not-a-uuid'] },
        { documentIds: Array.from({ length: 51 }, () => theirs) },
        { unknown: true },
      ]) {
        const res = await http.post(SESSIONS).set(bearer(owner.token)).send(body);
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
      }
      const missing = '01936f00-0000-7000-8000-00000000abcd';
      const refused = await http
        .post(SESSIONS)
        .set(bearer(owner.token))
        .send({ documentIds: [missing, theirs] })
        .expect(422);
      expect(refused.body).toMatchObject({
        code: 'chat_documents_not_readable',
        errors: [{ field: 'documentIds[0]' }, { field: 'documentIds[1]' }],
      });
      // an empty list means no restriction, like an absent one
      expect((await createSession(owner, { documentIds: [] })).documentIds).toBeNull();
      const session = await createSession(owner);
      for (const title of ['', 'y'.repeat(201)]) {
        await http
          .patch(`${SESSIONS}/${session.id}`)
          .set(bearer(owner.token))
          .send({ title })
          .expect(400);
      }
      await http
        .post(`${SESSIONS}/${session.id}/messages`)
        .set(bearer(owner.token))
        .send({ content: 'z'.repeat(4001) })
        .expect(400);
      await http
        .post(`${SESSIONS}/${session.id}/messages`)
        .set(bearer(owner.token))
        .send({ content: '   ' })
        .expect(400);
      await http.get(`${SESSIONS}/not-a-uuid`).set(bearer(owner.token)).expect(400);
    });

    it("answers 404 on every endpoint for another user's session, admins included", async () => {
      const owner = await register();
      const other = await register();
      const admin = await register('admin');
      const session = await createSession(owner);
      await ask(owner, session.id, 'Anything about quokkas?');
      for (const intruder of [other, admin]) {
        const calls = [
          http.get(`${SESSIONS}/${session.id}`),
          http.patch(`${SESSIONS}/${session.id}`).send({ title: 'mine now' }),
          http.delete(`${SESSIONS}/${session.id}`),
          http.get(`${SESSIONS}/${session.id}/messages`),
          http.post(`${SESSIONS}/${session.id}/messages`).send({ content: 'hello?' }),
          http
            .post(`${SESSIONS}/${session.id}/messages`)
            .set('Accept', 'text/event-stream')
            .send({ content: 'hello?' }),
          http.get(`${SESSIONS}/${session.id}/export`),
          http.get(`${SESSIONS}/${session.id}/export`).query({ format: 'markdown' }),
        ];
        for (const call of calls) {
          const res = await call.set(bearer(intruder.token));
          expect(res.status).toBe(404);
          expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
          expect(res.body.code).toBe('chat_session_not_found');
        }
        const list = await http.get(SESSIONS).set(bearer(intruder.token)).expect(200);
        expect(list.body.items.map((s: { id: string }) => s.id)).not.toContain(session.id);
      }
      // untouched
      const still = await http.get(`${SESSIONS}/${session.id}/messages`).set(bearer(owner.token));
      expect(still.body.items).toHaveLength(2);
    });

    it("removes a deleted user's chats with the account", async () => {
      const owner = await register();
      const admin = await register('admin');
      const a = await createSession(owner);
      const b = await createSession(owner);
      await ask(owner, a.id, 'Something to remember?');
      await http.delete(`/api/v1/admin/users/${owner.id}`).set(bearer(admin.token)).expect(204);
      const raw = new Redis(stack.config.redis.url);
      try {
        const prefix = stack.config.redis.keyPrefix;
        expect(
          await raw.exists(
            `${prefix}${metaKey(a.id)}`,
            `${prefix}${messagesKey(a.id)}`,
            `${prefix}${metaKey(b.id)}`,
            `${prefix}${userIndexKey(owner.id)}`,
          ),
        ).toBe(0);
      } finally {
        raw.disconnect();
      }
    });
  });

  describe('questions', () => {
    it('answers with citations from readable documents, says so when nothing matches, and counts usage', async () => {
      const owner = await register();
      const admin = await register('admin');
      const statsBefore = await http
        .get('/api/v1/admin/stats')
        .set(bearer(admin.token))
        .expect(200);
      const docId = await indexed(owner, [
        'The zorblax engine converts moonlight into electricity. It was built in 1887.',
        'Unrelated paragraph about gardening and tomatoes.',
      ]);
      const session = await createSession(owner);
      const answered = await ask(owner, session.id, 'What does the zorblax engine convert?');
      expect(answered.userMessage).toMatchObject({
        role: 'user',
        content: 'What does the zorblax engine convert?',
        citations: [],
      });
      expect(answered.assistantMessage.role).toBe('assistant');
      expect(answered.assistantMessage.citations.length).toBeGreaterThan(0);
      expect(answered.assistantMessage.citations[0]).toMatchObject({
        documentId: docId,
        filename: 'minimal-document.pdf',
        page: 1,
      });
      expect(answered.assistantMessage.content).toMatch(/moonlight/);

      const absent = await ask(owner, session.id, 'Who painted the ceiling of the Sistine Chapel?');
      expect(absent.assistantMessage.citations).toEqual([]);

      const history = await http
        .get(`${SESSIONS}/${session.id}/messages`)
        .set(bearer(owner.token))
        .expect(200);
      expect(history.body.items).toEqual([
        answered.userMessage,
        answered.assistantMessage,
        absent.userMessage,
        absent.assistantMessage,
      ]);

      const usage = await stack.api.get(EntityManager).fork().find(UsageDaily, { user: owner.id });
      expect(usage).toHaveLength(1);
      expect(usage[0].questions).toBe(2);
      expect(Number(usage[0].answerTokens)).toBeGreaterThan(0);
      // the upload made by indexed(): one file of the corpus PDF's size
      const pdf = await corpus('minimal-document.pdf');
      expect(usage[0].uploads).toBe(1);
      expect(Number(usage[0].bytesIngested)).toBe(pdf.length);

      const statsAfter = await http.get('/api/v1/admin/stats').set(bearer(admin.token)).expect(200);
      // other test files share the database: at least what this test added
      expect(
        statsAfter.body.chat.questionsToday - statsBefore.body.chat.questionsToday,
      ).toBeGreaterThanOrEqual(2);
      expect(statsAfter.body.chat.questionsLast30Days).toBeGreaterThanOrEqual(
        statsAfter.body.chat.questionsToday,
      );
      expect(statsAfter.body.chat.perDay.at(-1)).toMatchObject({
        day: new Date().toISOString().slice(0, 10),
      });

      // the citation snippets are sealed at rest too
      const raw = new Redis(stack.config.redis.url);
      try {
        const elements = await raw.lrange(
          `${stack.config.redis.keyPrefix}${messagesKey(session.id)}`,
          0,
          -1,
        );
        expect(elements).toHaveLength(4);
        expect(elements.join('\n')).not.toMatch(/moonlight|zorblax|minimal-document/);
      } finally {
        raw.disconnect();
      }

      const metrics = await http.get('/metrics').expect(200);
      expect(metrics.text).toMatch(
        /chat_answer_duration_seconds_count\{[^}]*generator="extractive",outcome="completed"[^}]*\} [1-9]/,
      );
    });

    it("limits retrieval to the session's documents", async () => {
      const owner = await register();
      const a = await indexed(owner, ['The glimmerfox sleeps in hollow logs during winter.']);
      const b = await indexed(
        owner,
        ['The glimmerfox hunts beetles at dawn near rivers.'],
        'single-paragraph.docx',
      );
      const scoped = await createSession(owner, { documentIds: [b] });
      const answer = await ask(owner, scoped.id, 'Where does the glimmerfox sleep and hunt?');
      const cited = new Set(answer.assistantMessage.citations.map((c) => c.documentId));
      expect(cited.has(a)).toBe(false);
      expect(cited.has(b)).toBe(true);
    });

    it("after the owner revokes a share, the sharee's next answer cites nothing from that document", async () => {
      const owner = await register();
      const sharee = await register();
      const docId = await indexed(owner, [
        'The quillwhisk festival happens every spring in the valley of Orvane.',
      ]);
      await http
        .post(`/api/v1/documents/${docId}/shares`)
        .set(bearer(owner.token))
        .send({ userId: sharee.id, permission: 'read' })
        .expect(201);
      const session = await createSession(sharee, { documentIds: [docId] });
      const before = await ask(sharee, session.id, 'When is the quillwhisk festival?');
      expect(before.assistantMessage.citations.map((c) => c.documentId)).toContain(docId);

      await http
        .delete(`/api/v1/documents/${docId}/shares/${sharee.id}`)
        .set(bearer(owner.token))
        .expect(204);
      const after = await ask(sharee, session.id, 'When is the quillwhisk festival?');
      expect(after.assistantMessage.citations).toEqual([]);
      expect(after.assistantMessage.content).not.toMatch(/Orvane/);
    });

    it('streams SSE: token events, then exactly one message event; the stored history matches', async () => {
      const owner = await register();
      await indexed(owner, ['The brindlewick lamp burns seal oil and was invented in Tromsø.']);
      const session = await createSession(owner);
      const { status, headers, events } = await askStreaming(
        owner,
        session.id,
        'What does the brindlewick lamp burn?',
      );
      expect(status).toBe(200);
      expect(headers['content-type']).toMatch(/^text\/event-stream/);
      expect(headers['cache-control']).toMatch(/no-cache/);
      expect(headers['x-accel-buffering']).toBe('no');
      expect(headers['x-request-id']).toEqual(expect.any(String));
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['access-control-allow-origin']).toBe('http://allowed.test');

      const names = events.map((e) => e.event);
      const tokens = events.filter((e) => e.event === 'token');
      expect(tokens.length).toBeGreaterThan(0);
      expect(names.filter((n) => n === 'message')).toHaveLength(1);
      expect(names[names.length - 1]).toBe('message');
      expect(names.slice(0, -1).every((n) => n === 'token')).toBe(true);
      const final = events[events.length - 1].data as {
        userMessage: Message;
        assistantMessage: Message;
      };
      expect(tokens.map((t) => (t.data as { text: string }).text).join('')).toBe(
        final.assistantMessage.content,
      );
      expect(final.assistantMessage.citations.length).toBeGreaterThan(0);

      const stored = await http
        .get(`${SESSIONS}/${session.id}/messages`)
        .set(bearer(owner.token))
        .expect(200);
      expect(stored.body.items).toEqual([final.userMessage, final.assistantMessage]);
    });

    it('streams errors found before streaming as ordinary problem details', async () => {
      const owner = await register();
      const res = await http
        .post(`${SESSIONS}/01936f00-0000-7000-8000-00000000beef/messages`)
        .set(bearer(owner.token))
        .set('Accept', 'text/event-stream')
        .send({ content: 'hello' })
        .expect(404);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
    });
  });

  describe('messages and export', () => {
    it('pages with before/limit (newest page first, oldest first within a page) and caps the list', async () => {
      const owner = await register();
      const session = await createSession(owner);
      const all: Message[] = [];
      for (let i = 0; i < 3; i += 1) {
        const result = await ask(owner, session.id, `Question number ${i} about nothing`);
        all.push(result.userMessage, result.assistantMessage);
      }
      const newest = await http
        .get(`${SESSIONS}/${session.id}/messages`)
        .query({ limit: 4 })
        .set(bearer(owner.token))
        .expect(200);
      expect(newest.body.items.map((m: Message) => m.id)).toEqual(all.slice(2).map((m) => m.id));
      expect(newest.body.nextCursor).toBe(all[2].id);
      const older = await http
        .get(`${SESSIONS}/${session.id}/messages`)
        .query({ limit: 4, before: newest.body.nextCursor })
        .set(bearer(owner.token))
        .expect(200);
      expect(older.body).toEqual({ items: all.slice(0, 2), nextCursor: null });
      const unknown = await http
        .get(`${SESSIONS}/${session.id}/messages`)
        .query({ before: '01936f00-0000-7000-8000-00000000cafe' })
        .set(bearer(owner.token))
        .expect(200);
      expect(unknown.body).toEqual({ items: [], nextCursor: null });
      await http
        .get(`${SESSIONS}/${session.id}/messages`)
        .query({ before: 'nope' })
        .set(bearer(owner.token))
        .expect(400);

      // past the cap (8 = 4 questions) the oldest messages go
      for (let i = 3; i < 6; i += 1) {
        const result = await ask(owner, session.id, `Question number ${i} about nothing`);
        all.push(result.userMessage, result.assistantMessage);
      }
      const kept = await http
        .get(`${SESSIONS}/${session.id}/messages`)
        .query({ limit: 100 })
        .set(bearer(owner.token))
        .expect(200);
      expect(kept.body.items.map((m: Message) => m.id)).toEqual(
        all.slice(-MAX_MESSAGES).map((m) => m.id),
      );
      const meta = await http.get(`${SESSIONS}/${session.id}`).set(bearer(owner.token)).expect(200);
      expect(meta.body.messageCount).toBe(MAX_MESSAGES);
    });

    it('exports JSON and Markdown (citations per answer) as attachments', async () => {
      const owner = await register();
      await indexed(owner, ['The velvetine bridge spans the river Astel and opened in 1902.']);
      const session = await createSession(owner, { title: 'Bridges' });
      const answered = await ask(owner, session.id, 'When did the velvetine bridge open?');
      expect(answered.assistantMessage.citations.length).toBeGreaterThan(0);

      const json = await http
        .get(`${SESSIONS}/${session.id}/export`)
        .query({ format: 'json' })
        .set(bearer(owner.token))
        .expect(200);
      expect(json.headers['content-disposition']).toBe(
        `attachment; filename="chat-${session.id}.json"`,
      );
      const body = JSON.parse(json.text) as { session: { id: string }; messages: Message[] };
      expect(body.session).toMatchObject({ id: session.id, title: 'Bridges' });
      expect(body.messages).toEqual([answered.userMessage, answered.assistantMessage]);

      const md = await http
        .get(`${SESSIONS}/${session.id}/export`)
        .query({ format: 'markdown' })
        .set(bearer(owner.token))
        .expect(200);
      expect(md.headers['content-type']).toMatch(/^text\/markdown/);
      expect(md.headers['content-disposition']).toBe(
        `attachment; filename="chat-${session.id}.md"`,
      );
      expect(md.text).toMatch(/^# Bridges\n/);
      expect(md.text).toContain('When did the velvetine bridge open?');
      expect(md.text).toContain('**Sources**');
      expect(md.text).toContain(`1. minimal-document.pdf, page 1 — “`);
      await http
        .get(`${SESSIONS}/${session.id}/export`)
        .query({ format: 'pdf' })
        .set(bearer(owner.token))
        .expect(400);
    });
  });
});
