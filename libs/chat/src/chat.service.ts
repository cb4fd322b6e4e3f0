import { subject } from '@casl/ability';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AuditService } from '@docent/audit';
import type { AuthUser } from '@docent/auth';
import type { Action, AppAbility } from '@docent/authorization';
import { AppError, decodeCursor, encodeCursor, uuidv7 } from '@docent/common';
import type { ChatSettings } from '@docent/config';
import { ChunkRetriever, DocumentAccess } from '@docent/documents';
import {
  ANSWER_GENERATOR,
  type AnswerGenerator,
  type ChatTurn,
  type GenerationEvent,
  type QueryTerm,
  type RetrievedChunk,
} from './chat.contracts';
import { AnswerAbortedError, documentsNotReadable, sessionNotFound } from './chat.errors';
import { ChatMetrics, type FinishAnswer } from './chat.metrics';
import {
  ChatHistoryRepository,
  type ChatMessageRecord,
  type ChatSessionRecord,
  type SessionPosition,
} from './history/chat-history.repository';
import type { CreateSessionDto, MessagesQueryDto } from './http/dto/chat-request.dto';
import {
  type AskResultDto,
  type ChatExportDto,
  ChatMessageDto,
  type ChatMessagePageDto,
  ChatSessionDto,
  type ChatSessionPageDto,
} from './http/dto/chat-response.dto';
import { UsageService } from './usage/usage.service';

export const DEFAULT_SESSION_TITLE = 'New chat';
/** Turns before the question handed to the generator (3 question/answer pairs). */
export const HISTORY_TURNS = 6;

const isPosition = (value: Record<string, unknown>): value is { at: number; id: string } =>
  typeof value.at === 'number' && Number.isFinite(value.at) && typeof value.id === 'string';

/** A question accepted and ready to answer: the checks, retrieval and history are done. */
export interface PreparedQuestion {
  caller: AuthUser;
  session: ChatSessionRecord;
  userMessage: ChatMessageRecord;
  chunks: RetrievedChunk[];
  /** The question's lexemes weighted over the caller's readable documents (from retrieval). */
  terms: QueryTerm[];
  history: ChatTurn[];
  /** Stops the answer-latency timer (and counts the answer's tokens or its failure). */
  finish: FinishAnswer;
}

export interface AnswerOptions {
  /** Aborted when the client disconnects: generation stops and nothing is stored. */
  signal: AbortSignal;
  /** Called with each piece of the answer as it is generated (SSE). */
  onToken?: (text: string) => void;
}

/**
 * Chat sessions (owner-only: anyone else, admins included, gets the same 404), questions
 * answered from the documents the caller can read right now, history in Redis.
 */
@Injectable()
export class ChatService {
  private readonly settings: ChatSettings;

  constructor(
    private readonly history: ChatHistoryRepository,
    private readonly retriever: ChunkRetriever,
    @Inject(ANSWER_GENERATOR) private readonly generator: AnswerGenerator,
    private readonly usage: UsageService,
    private readonly metrics: ChatMetrics,
    private readonly audit: AuditService,
    private readonly access: DocumentAccess,
    config: ConfigService,
  ) {
    this.settings = config.getOrThrow<ChatSettings>('chat');
  }

  // ------------------------------------------------------------------ sessions

  async create(
    caller: AuthUser,
    ability: AppAbility,
    body: CreateSessionDto,
  ): Promise<ChatSessionDto> {
    // omitted or empty: every document the caller can read at question time
    const documentIds = body.documentIds && body.documentIds.length > 0 ? body.documentIds : null;
    if (documentIds) {
      await this.assertReadable(caller, ability, documentIds);
    }
    const record = await this.history.create({
      id: uuidv7(),
      userId: caller.id,
      title: body.title ?? DEFAULT_SESSION_TITLE,
      documentIds,
      createdAt: new Date().toISOString(),
    });
    return this.toDto(record);
  }

  async list(caller: AuthUser, limit: number, cursor?: string): Promise<ChatSessionPageDto> {
    const after: SessionPosition | undefined = cursor
      ? decodeCursor(cursor, isPosition)
      : undefined;
    const rows = await this.history.listForUser(caller.id, limit, after);
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    return {
      items: page.map((row) => this.toDto(row.session)),
      nextCursor: hasMore ? encodeCursor({ ...page[page.length - 1].position }) : null,
    };
  }

  async get(caller: AuthUser, ability: AppAbility, id: string): Promise<ChatSessionDto> {
    return this.toDto(await this.loadOwned(caller, ability, id, 'read'));
  }

  async rename(
    caller: AuthUser,
    ability: AppAbility,
    id: string,
    title: string,
  ): Promise<ChatSessionDto> {
    const session = await this.loadOwned(caller, ability, id, 'update');
    const renamed = await this.history.rename(session, title, new Date());
    if (!renamed) throw sessionNotFound();
    return this.toDto(renamed);
  }

  async remove(caller: AuthUser, ability: AppAbility, id: string): Promise<void> {
    const session = await this.loadOwned(caller, ability, id, 'delete');
    await this.history.delete(session);
    await this.audit.record({
      action: 'chat.session_deleted',
      targetType: 'ChatSession',
      targetId: id,
      metadata: { messageCount: session.messageCount },
    });
  }

  // ------------------------------------------------------------------ messages

  async messages(
    caller: AuthUser,
    ability: AppAbility,
    id: string,
    query: MessagesQueryDto,
  ): Promise<ChatMessagePageDto> {
    // the owner comes back with the page (one round trip); nothing is opened before the check
    const found = await this.history.page(id, query.limit, query.before);
    if (
      found.ownerId !== caller.id ||
      !ability.can('read', subject('ChatSession', { userId: found.ownerId }))
    ) {
      throw sessionNotFound();
    }
    const page = found.open();
    return {
      items: page.items.map((message) => ChatMessageDto.from(message)),
      nextCursor: page.hasMore && page.items.length > 0 ? page.items[0].id : null,
    };
  }

  /**
   * Everything before generation: the session check, retrieval among the documents the caller
   * can read right now (limited to the session's documents), and the last turns. Errors here
   * are ordinary problem details, even for a streaming request.
   */
  async prepare(
    caller: AuthUser,
    ability: AppAbility,
    id: string,
    content: string,
  ): Promise<PreparedQuestion> {
    const session = await this.loadOwned(caller, ability, id, 'update');
    // timed from here: refused requests (404, 403) are not answers
    const finish = this.metrics.startTimer(this.generator.name);
    try {
      const userMessage: ChatMessageRecord = {
        id: uuidv7(),
        role: 'user',
        content,
        citations: [],
        createdAt: new Date().toISOString(),
      };
      const [{ chunks, terms }, recent] = await Promise.all([
        this.retriever.retrieveWithTerms({
          caller,
          ability,
          question: content,
          documentIds: session.documentIds ?? undefined,
          limit: this.settings.retrievalLimit,
        }),
        this.history.page(id, HISTORY_TURNS),
      ]);
      const history = recent.open().items.map((message) => ({
        role: message.role,
        content: message.content,
      }));
      return { caller, session, userMessage, chunks, terms, history, finish };
    } catch (error) {
      finish('failed', { error });
      throw error;
    }
  }

  /**
   * Generates the answer, then stores the question and the answer together (one script). When
   * `signal` aborts first, generation stops and NOTHING is stored, not even the question.
   */
  async answer(prepared: PreparedQuestion, options: AnswerOptions): Promise<AskResultDto> {
    const { signal } = options;
    try {
      let done: Extract<GenerationEvent, { type: 'done' }> | undefined;
      for await (const event of this.generator.generate({
        question: prepared.userMessage.content,
        chunks: prepared.chunks,
        terms: prepared.terms,
        history: prepared.history,
        signal,
      })) {
        if (signal.aborted) break;
        if (event.type === 'token') options.onToken?.(event.text);
        else done = event;
      }
      if (signal.aborted) throw new AnswerAbortedError();
      if (!done) {
        throw new AppError(
          'internal',
          'generation_incomplete',
          'The answer generator stopped early.',
        );
      }
      const assistantMessage: ChatMessageRecord = {
        id: uuidv7(),
        role: 'assistant',
        content: done.content,
        citations: done.citations,
        createdAt: new Date().toISOString(),
      };
      const stored = await this.history.append(
        prepared.session,
        [prepared.userMessage, assistantMessage],
        new Date(),
      );
      // deleted or expired while the answer was being generated
      if (!stored) throw sessionNotFound();
      prepared.finish('completed', { tokens: done.answerTokens });
      await this.usage.recordQuietly(prepared.caller.id, {
        questions: 1,
        answerTokens: done.answerTokens,
      });
      return {
        userMessage: ChatMessageDto.from(prepared.userMessage),
        assistantMessage: ChatMessageDto.from(assistantMessage),
      };
    } catch (error) {
      prepared.finish(signal.aborted ? 'aborted' : 'failed', { error });
      if (signal.aborted && !(error instanceof AnswerAbortedError)) throw new AnswerAbortedError();
      throw error;
    }
  }

  async export(caller: AuthUser, ability: AppAbility, id: string): Promise<ChatExportDto> {
    const session = await this.loadOwned(caller, ability, id, 'read');
    const messages = await this.history.all(id);
    await this.audit.record({
      action: 'chat.session_exported',
      targetType: 'ChatSession',
      targetId: id,
      metadata: { messageCount: messages.length },
    });
    await this.usage.recordQuietly(caller.id, { exports: 1 });
    return {
      session: this.toDto(session),
      messages: messages.map((message) => ChatMessageDto.from(message)),
      exportedAt: new Date().toISOString(),
    };
  }

  // ------------------------------------------------------------------ helpers

  /**
   * The caller's own session. Anyone else's (admins included) answers the same 404 as a
   * missing one, so ids cannot be probed. A role without the action gets 403 from the guard.
   */
  private async loadOwned(
    caller: AuthUser,
    ability: AppAbility,
    id: string,
    action: Action,
  ): Promise<ChatSessionRecord> {
    const session = await this.history.find(id);
    if (!session || session.userId !== caller.id) throw sessionNotFound();
    if (!ability.can(action, subject('ChatSession', { userId: session.userId }))) {
      if (action === 'read') throw sessionNotFound();
      throw new AppError('forbidden', 'forbidden', 'Your role does not allow this.');
    }
    return session;
  }

  /**
   * 422 listing every id the caller cannot read (missing ones look the same). The same rule as
   * reading a document (the caller's ability on it, or a share); not a security boundary by
   * itself: retrieval checks access again at every question.
   */
  private async assertReadable(
    caller: AuthUser,
    ability: AppAbility,
    documentIds: string[],
  ): Promise<void> {
    const readable = await this.access.readableAmong(caller, ability, documentIds);
    const errors = documentIds
      .map((documentId, index) => ({ documentId, index }))
      .filter(({ documentId }) => !readable.has(documentId))
      .map(({ index }) => ({
        field: `documentIds[${index}]`,
        message: 'no such document, or you may not read it',
      }));
    if (errors.length > 0) throw documentsNotReadable(errors);
  }

  private toDto(record: ChatSessionRecord): ChatSessionDto {
    return ChatSessionDto.from(record, this.history.ttlMs);
  }
}
