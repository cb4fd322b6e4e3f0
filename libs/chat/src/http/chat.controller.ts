import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Logger,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AuthUser, CurrentUser, StrictRateLimit } from '@docent/auth';
import { type AppAbility, CallerAbility, CheckPolicies } from '@docent/authorization';
import {
  ApiProblemResponses,
  ApiSignedIn,
  PageQueryDto,
  RATE_LIMITED,
  requestPath,
  toProblem,
  UuidParam,
} from '@docent/common';
import { ChatService } from '../chat.service';
import {
  AskDto,
  CreateSessionDto,
  ExportQueryDto,
  MessagesQueryDto,
  RenameSessionDto,
} from './dto/chat-request.dto';
import {
  AskResultDto,
  ChatExportDto,
  ChatMessagePageDto,
  ChatSessionDto,
  ChatSessionPageDto,
} from './dto/chat-response.dto';
import { renderMarkdown } from './export-markdown';
import { SseStream } from './sse';

const NOT_FOUND =
  '`chat_session_not_found`: no such session, it expired, or it belongs to someone else ' +
  '(administrators included)';

/** Whether the client asked for a stream (`Accept: text/event-stream`). */
function wantsStream(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && /(^|,)\s*text\/event-stream\b/i.test(accept);
}

/** An AbortController aborted when the client goes away before the response is complete. */
function abortOnDisconnect(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller;
}

@ApiSignedIn('chat', { 429: RATE_LIMITED, 503: 'Redis or PostgreSQL is unavailable; retry later' })
@Controller('chat/sessions')
export class ChatController {
  private readonly logger = new Logger('ChatController');

  constructor(private readonly chat: ChatService) {}

  @Post()
  @CheckPolicies((ability) => ability.can('create', 'ChatSession'))
  @ApiOperation({
    summary: 'Start a chat session, optionally limited to some documents',
    description:
      'Sessions live in Redis and expire after CHAT_SESSION_TTL without activity (creation, ' +
      'rename and questions slide it).',
  })
  @ApiCreatedResponse({ type: ChatSessionDto })
  @ApiProblemResponses({
    400: 'Invalid title or documentIds (max 50 distinct UUIDs)',
    403: 'The role may not chat',
    422:
      '`chat_documents_not_readable`: some documentIds do not exist or are not readable by you ' +
      '(`errors` names each one)',
  })
  create(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @Body() body: CreateSessionDto,
  ): Promise<ChatSessionDto> {
    return this.chat.create(caller, ability, body);
  }

  @Get()
  @CheckPolicies((ability) => ability.can('read', 'ChatSession'))
  @ApiOperation({ summary: 'Your live sessions, most recently active first' })
  @ApiOkResponse({ type: ChatSessionPageDto })
  @ApiProblemResponses({ 400: 'Invalid limit or cursor' })
  list(@CurrentUser() caller: AuthUser, @Query() query: PageQueryDto): Promise<ChatSessionPageDto> {
    return this.chat.list(caller, query.limit, query.cursor);
  }

  @Get(':id')
  @CheckPolicies((ability) => ability.can('read', 'ChatSession'))
  @ApiOperation({ summary: 'One of your sessions' })
  @ApiOkResponse({ type: ChatSessionDto })
  @ApiProblemResponses({ 400: 'The id is not a UUID', 404: NOT_FOUND })
  get(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The session id') id: string,
  ): Promise<ChatSessionDto> {
    return this.chat.get(caller, ability, id);
  }

  @Patch(':id')
  @CheckPolicies((ability) => ability.can('update', 'ChatSession'))
  @ApiOperation({ summary: 'Rename a session (slides its expiry)' })
  @ApiOkResponse({ type: ChatSessionDto })
  @ApiProblemResponses({
    400: 'The id is not a UUID, or the title is not 1–200 characters',
    403: 'The role may not change sessions',
    404: NOT_FOUND,
  })
  rename(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The session id') id: string,
    @Body() body: RenameSessionDto,
  ): Promise<ChatSessionDto> {
    return this.chat.rename(caller, ability, id, body.title);
  }

  @Delete(':id')
  @HttpCode(204)
  @CheckPolicies((ability) => ability.can('delete', 'ChatSession'))
  @ApiOperation({ summary: 'Delete a session with all its messages (audited)' })
  @ApiNoContentResponse()
  @ApiProblemResponses({
    400: 'The id is not a UUID',
    403: 'The role may not delete sessions',
    404: NOT_FOUND,
  })
  async remove(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The session id') id: string,
  ): Promise<void> {
    await this.chat.remove(caller, ability, id);
  }

  @Get(':id/messages')
  @CheckPolicies((ability) => ability.can('read', 'ChatSession'))
  @ApiOperation({
    summary: 'Messages of a session, newest page first',
    description:
      'Without `before`, the newest `limit` messages; with `before` (a message id, normally the ' +
      "previous page's `nextCursor`), the `limit` messages just older than it. Within a page the " +
      'items are oldest first. An unknown `before` (e.g. a message already dropped by the ' +
      'CHAT_MAX_MESSAGES cap) gives an empty page.',
  })
  @ApiOkResponse({ type: ChatMessagePageDto })
  @ApiProblemResponses({
    400: 'The id or `before` is not a UUID, or limit is invalid',
    404: NOT_FOUND,
  })
  messages(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The session id') id: string,
    @Query() query: MessagesQueryDto,
  ): Promise<ChatMessagePageDto> {
    return this.chat.messages(caller, ability, id, query);
  }

  @Post(':id/messages')
  @StrictRateLimit('chat')
  @CheckPolicies((ability) => ability.can('update', 'ChatSession'))
  @ApiOperation({
    summary: 'Ask a question; the answer cites the passages it relies on',
    description:
      'Retrieval looks at the documents you can read at this moment (limited to the session’s ' +
      '`documentIds` when set). Both messages are stored once the answer is complete.\n\n' +
      'With `Accept: text/event-stream` the answer streams as Server-Sent Events (status 200): ' +
      '`token` events (`data: {"text": "…"}`), then exactly one `message` event whose data is ' +
      '`{userMessage, assistantMessage}` as stored, or one `error` event whose data is problem ' +
      'details. Errors found before streaming starts (404, 400, 429, …) are ordinary problem ' +
      'responses. A client that disconnects stops generation and nothing is stored, not even ' +
      'the question.',
  })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiHeader({
    name: 'Accept',
    required: false,
    description: '`text/event-stream` to stream the answer',
  })
  @ApiCreatedResponse({ type: AskResultDto, description: 'Both messages, as stored' })
  @ApiOkResponse({
    description: 'The SSE stream (with `Accept: text/event-stream`)',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiProblemResponses({
    400: 'The id is not a UUID, or content is not 1–4000 characters',
    403: 'The role may not chat',
    404: NOT_FOUND,
  })
  async ask(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The session id') id: string,
    @Body() body: AskDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const abort = abortOnDisconnect(reply);
    // before streaming: errors leave as ordinary problem details (the global filter)
    const prepared = await this.chat.prepare(caller, ability, id, body.content);
    if (!wantsStream(request)) {
      const result = await this.chat.answer(prepared, { signal: abort.signal });
      await reply.status(201).send(result);
      return;
    }
    const stream = new SseStream(reply);
    try {
      const result = await this.chat.answer(prepared, {
        signal: abort.signal,
        onToken: (text) => stream.send('token', { text }),
      });
      stream.send('message', result);
    } catch (error) {
      const { problem, unexpected } = toProblem(error, {
        instance: requestPath(request.url),
        requestId: String(request.id),
      });
      if (unexpected) {
        this.logger.error({ err: error, requestId: request.id }, 'chat answer failed');
      }
      stream.send('error', problem);
    } finally {
      stream.end();
    }
  }

  @Get(':id/export')
  @CheckPolicies((ability) => ability.can('read', 'ChatSession'))
  @ApiOperation({
    summary: 'Download the whole conversation as JSON or Markdown (with citations)',
  })
  @ApiProduces('application/json', 'text/markdown')
  @ApiOkResponse({
    type: ChatExportDto,
    description: 'An attachment: JSON (this schema) or Markdown (sources listed under each answer)',
  })
  @ApiProblemResponses({
    400: 'The id is not a UUID, or format is not json|markdown',
    404: NOT_FOUND,
  })
  async export(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The session id') id: string,
    @Query() query: ExportQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const conversation = await this.chat.export(caller, ability, id);
    void reply.header('Cache-Control', 'private, no-store');
    if (query.format === 'markdown') {
      await reply
        .header('Content-Disposition', `attachment; filename="chat-${id}.md"`)
        .type('text/markdown; charset=utf-8')
        .send(renderMarkdown(conversation));
      return;
    }
    await reply
      .header('Content-Disposition', `attachment; filename="chat-${id}.json"`)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(conversation, null, 2));
  }
}
