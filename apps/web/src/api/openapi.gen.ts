// Generated from docs/openapi.json by scripts/openapi-types.js (`npm run openapi`): do not edit.
// A test (test/web-openapi-types.e2e-spec.ts) fails when this file and the document drift.

export interface RegisterDto {
  email: string;
  /** 15–128 characters by default; no composition rules */
  password: string;
  displayName: string;
}

export interface UserDto {
  id: string;
  email: string;
  displayName: string;
  role: string;
  status: 'active' | 'disabled';
  createdAt: string;
}

export interface AuthTokensDto {
  user: UserDto;
  /** JWT for the Authorization: Bearer header */
  accessToken: string;
  /** Opaque; rotated on every refresh. Left out in the cookie flow (X-Refresh-Token-Transport: cookie), where it travels in an httpOnly cookie instead */
  refreshToken?: string;
  /** Seconds until the access token expires */
  expiresIn: number;
}

export interface LoginDto {
  email: string;
  password: string;
}

export interface OptionalRefreshTokenDto {
  /** The refresh token from the last sign-in or refresh; required unless the request uses the cookie flow (header X-Refresh-Token-Transport: cookie) */
  refreshToken?: string;
}

export interface PermissionRuleDto {
  action: string | string[];
  subject: string | string[];
  conditions?: Record<string, unknown>;
  fields?: string[];
  inverted?: boolean;
}

export interface MeDto {
  id: string;
  email: string;
  displayName: string;
  role: string;
  /** The caller's CASL rules */
  permissions: PermissionRuleDto[];
  /** The same rules packed for transport (`unpackRules` from @casl/ability/extra) */
  packedRules: Record<string, unknown>[][];
  createdAt: string;
}

export interface SessionDto {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  /** The session the calling access token belongs to */
  current: boolean;
}

export interface SessionListDto {
  items: SessionDto[];
  /** Always null: every active session fits one page */
  nextCursor: string | null;
}

export interface ChangePasswordDto {
  currentPassword: string;
  /** 15–128 characters by default; no composition rules */
  newPassword: string;
}

export interface ForgotPasswordDto {
  email: string;
}

export interface ResetPasswordDto {
  /** The token from the reset link */
  token: string;
  newPassword: string;
}

export interface DocumentErrorDto {
  /** Stable snake_case error code */
  code: string;
  message: string;
}

export interface DocumentDto {
  id: string;
  /** Sanitised file name */
  filename: string;
  mimeType: string;
  sizeBytes: number;
  /** Hex SHA-256 of the content */
  sha256: string;
  ownerId: string;
  status: 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';
  stage: 'validating' | 'extracting' | 'chunking' | 'indexing' | 'done';
  progress: number;
  /** Ingestion attempts of the current run */
  attempts: number;
  error: DocumentErrorDto | null;
  pageCount: number | null;
  chunkCount: number | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

export interface UploadRejectionDto {
  /** Sanitised file name as sent */
  filename: string;
  code: 'unsupported_type' | 'type_mismatch' | 'empty_file' | 'duplicate' | 'quota_exceeded';
  message: string;
  /** For `duplicate`: the document that already has this content */
  existingId?: string;
}

export interface UploadResultDto {
  /** Shared by every document of this upload */
  batchId: string;
  accepted: DocumentDto[];
  rejected: UploadRejectionDto[];
}

export interface UploadProblemDto {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  code: string;
  batchId: string;
  /** Always empty here */
  accepted: DocumentDto[];
  rejected: UploadRejectionDto[];
}

export interface StorageUsageDto {
  /** Sum of the sizes of the documents you own, in bytes */
  usedBytes: number;
  /** How many documents you own */
  documents: number;
  /** null: no quota */
  quotaBytes: number | null;
  /** null: no quota */
  remainingBytes: number | null;
}

export interface DocumentPageDto {
  items: DocumentDto[];
  nextCursor: string | null;
}

export interface PassageChunkDto {
  id: string;
  /** 0-based position in the document */
  index: number;
  /** 1-based PDF page, else null */
  page: number | null;
  /** The extracted text of the chunk */
  content: string;
  /** Whether this is the chunk that was asked for (the cited one) */
  cited: boolean;
}

export interface PassageDto {
  documentId: string;
  filename: string;
  /** Chunks the document has */
  chunkCount: number;
  /** In document order */
  chunks: PassageChunkDto[];
  /** The chunk just before the cited one (to move back by one), null at the start */
  previousChunkId: string | null;
  /** The chunk just after the cited one (to move on by one), null at the end */
  nextChunkId: string | null;
}

export interface ShareDto {
  userId: string;
  email: string;
  displayName: string;
  permission: 'read' | 'write';
  createdAt: string;
}

export interface ShareListDto {
  items: ShareDto[];
}

export interface CreateShareDto {
  /** The user to share with (or `email`) */
  userId?: string;
  /** The user to share with (or `userId`) */
  email?: string;
  permission: 'read' | 'write';
}

export interface ShareRequestedDto {
  email: string;
  permission: 'read' | 'write';
}

export interface SearchHitDto {
  chunkId: string;
  documentId: string;
  filename: string;
  page: number | null;
  /** Matched words between « and » */
  snippet: string;
  /** Relevance (BM25 over the documents you can read, relative to the best hit, plus closeness of meaning); higher is better, comparable within one answer */
  score: number;
}

export interface SearchResultDto {
  items: SearchHitDto[];
}

export interface CreateSessionDto {
  /** Shown in the session list (trimmed) */
  title?: string;
  /** Limits retrieval to these documents (each must be readable by you, else 422 `chat_documents_not_readable`). Omitted or empty: every document you can read at question time. */
  documentIds?: string[];
}

export interface ChatSessionDto {
  id: string;
  title: string;
  /** Retrieval scope; null = every document you can read when you ask */
  documentIds: string[] | null;
  /** Messages kept (CHAT_MAX_MESSAGES cap) */
  messageCount: number;
  createdAt: string;
  /** Last write (creation, rename, question) */
  lastActivityAt: string;
  /** When the session expires unless it is used again (CHAT_SESSION_TTL) */
  expiresAt: string;
}

export interface ChatSessionPageDto {
  items: ChatSessionDto[];
  nextCursor: string | null;
}

export interface RenameSessionDto {
  /** The new title (trimmed) */
  title: string;
}

export interface CitationDto {
  documentId: string;
  filename: string;
  /** 1-based PDF page, else null */
  page: number | null;
  chunkId: string;
  /** The passage the answer relies on */
  snippet: string;
  /** Relevance, higher is better (comparable within one answer) */
  score: number;
}

export interface ChatMessageDto {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  /** Sources, in the order of the markers [1], [2], … in `content`; empty for questions */
  citations: CitationDto[];
  createdAt: string;
}

export interface ChatMessagePageDto {
  /** Oldest first within the page; pages go from the newest backwards */
  items: ChatMessageDto[];
  /** Pass as `before` for the next (older) page; null when there is none */
  nextCursor: string | null;
}

export interface AskDto {
  /** The question, in natural language */
  content: string;
}

export interface AskResultDto {
  userMessage: ChatMessageDto;
  assistantMessage: ChatMessageDto;
}

export interface ChatExportDto {
  session: ChatSessionDto;
  /** Every kept message, oldest first */
  messages: ChatMessageDto[];
  exportedAt: string;
}

export interface NotificationDto {
  id: string;
  /** One of ingestion.completed, ingestion.failed, document.shared, security.password_changed, security.new_sign_in */
  type: string;
  title: string;
  body: string;
  /** Type-specific details, e.g. `{documentId, batchId, filename}`; `ingestion.failed` adds `error: {code, message}` */
  data: Record<string, unknown>;
  readAt: string | null;
  createdAt: string;
}

export interface NotificationPageDto {
  items: NotificationDto[];
  nextCursor: string | null;
}

export interface UnreadCountDto {
  count: number;
}

export interface ChannelPreferenceDto {
  /** Stored in the notification center and pushed to open sockets */
  inApp: boolean;
  /** Sent by e-mail */
  email: boolean;
}

export interface NotificationPreferencesDto {
  /** A document finished; the e-mail is one summary per upload batch */
  'ingestion.completed': ChannelPreferenceDto;
  /** A document failed; in a batch it is listed in the summary, outside one (a later run) it is mailed at once */
  'ingestion.failed': ChannelPreferenceDto;
  /** Someone shared a document with you */
  'document.shared': ChannelPreferenceDto;
  /** Your password was changed or reset (security notice: always on) */
  'security.password_changed': ChannelPreferenceDto;
  /** A sign-in from a device or network you have not used recently, with its time, IP address and browser (security notice: always on; never for the first sign-in of an account) */
  'security.new_sign_in': ChannelPreferenceDto;
}

export interface ChannelPreferenceUpdateDto {
  inApp?: boolean;
  email?: boolean;
}

export interface AlwaysOnChannelUpdateDto {
  /** Always on: `false` is refused (400) */
  inApp?: true;
  /** Always on: `false` is refused (400) */
  email?: true;
}

export interface UpdateNotificationPreferencesDto {
  'ingestion.completed'?: ChannelPreferenceUpdateDto;
  'ingestion.failed'?: ChannelPreferenceUpdateDto;
  'document.shared'?: ChannelPreferenceUpdateDto;
  'security.password_changed'?: AlwaysOnChannelUpdateDto;
  'security.new_sign_in'?: AlwaysOnChannelUpdateDto;
}

export interface ReadAllResultDto {
  /** How many notifications were unread and are now read */
  updated: number;
}

export interface AdminUserDto {
  id: string;
  email: string;
  displayName: string;
  role: string;
  status: 'active' | 'disabled';
  createdAt: string;
  updatedAt: string;
}

export interface AdminUserPageDto {
  items: AdminUserDto[];
  /** Pass as `cursor` for the next page; null on the last page */
  nextCursor: string | null;
}

export interface AdminUserDetailDto {
  id: string;
  email: string;
  displayName: string;
  role: string;
  status: 'active' | 'disabled';
  createdAt: string;
  updatedAt: string;
  /** When the login lockout after failed attempts lifts; null when not locked */
  lockedUntil: string | null;
  /** Sessions that can still be refreshed */
  activeSessions: number;
}

export interface CreateAdminUserDto {
  email: string;
  displayName: string;
  /** Same policy as sign-up: 15–128 characters by default, not a common or breached password, not derived from the e-mail */
  password: string;
  /** Role name (422 `unknown_role` when there is none) */
  role: string;
}

export interface UpdateAdminUserDto {
  /** Role name (422 `unknown_role` when there is none) */
  role?: string;
  /** `disabled` ends every session of the user at once */
  status?: 'active' | 'disabled';
  displayName?: string;
}

export interface PermissionCatalogueEntryDto {
  action: 'manage' | 'create' | 'read' | 'update' | 'delete' | 'share';
  subject:
    | 'all'
    | 'User'
    | 'Role'
    | 'AuditEvent'
    | 'Queue'
    | 'Stats'
    | 'Document'
    | 'ChatSession'
    | 'Notification';
  /** Whether the permission can be limited to the user's own records */
  ownable: boolean;
}

export interface PermissionCatalogueDto {
  items: PermissionCatalogueEntryDto[];
  /** Always null: the whole catalogue fits one page */
  nextCursor: string | null;
}

export interface RolePermissionDto {
  action: 'manage' | 'create' | 'read' | 'update' | 'delete' | 'share';
  subject:
    | 'all'
    | 'User'
    | 'Role'
    | 'AuditEvent'
    | 'Queue'
    | 'Stats'
    | 'Document'
    | 'ChatSession'
    | 'Notification';
  /** Limited to the user's own records */
  own: boolean;
}

export interface RoleRuleDto {
  action: string;
  subject: string;
  own: boolean;
  /** A "cannot" rule */
  inverted: boolean;
  conditions: Record<string, unknown> | null;
  fields: string[] | null;
}

export interface RoleDto {
  id: string;
  name: string;
  description: string;
  /** admin, member and viewer: cannot be renamed, edited or deleted */
  builtIn: boolean;
  /** The role as catalogue permissions. Built-in rules that no catalogue entry can express (inverted or conditional) appear only in `rules`. */
  permissions: RolePermissionDto[];
  /** Read-only: every stored rule of the role, in evaluation order */
  rules: RoleRuleDto[];
  createdAt: string;
  updatedAt: string;
}

export interface RoleListDto {
  items: RoleDto[];
  nextCursor: string | null;
}

export interface RolePermissionInputDto {
  action: 'manage' | 'create' | 'read' | 'update' | 'delete' | 'share';
  subject:
    | 'all'
    | 'User'
    | 'Role'
    | 'AuditEvent'
    | 'Queue'
    | 'Stats'
    | 'Document'
    | 'ChatSession'
    | 'Notification';
  /** Limit the permission to the user's own records (only for catalogue entries with `ownable: true`) */
  own?: boolean;
}

export interface CreateRoleDto {
  name: string;
  description?: string;
  /** Entries of the catalogue (GET /admin/permissions), each (action, subject) once */
  permissions: RolePermissionInputDto[];
}

export interface UpdateRoleDto {
  /** Custom roles only */
  name?: string;
  description?: string;
  /** Replaces every permission of the role (custom roles only) */
  permissions?: RolePermissionInputDto[];
}

export interface AuditEventDto {
  id: string;
  occurredAt: string;
  /** Who acted; null for anonymous callers and the system */
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: 'success' | 'failure' | 'denied';
  ip: string | null;
  userAgent: string | null;
  /** X-Request-Id of the request */
  requestId: string | null;
  /** Details of the action (secrets are never stored) */
  metadata: Record<string, unknown>;
}

export interface AuditEventPageDto {
  /** Newest first */
  items: AuditEventDto[];
  /** Pass as `cursor` for the next page */
  nextCursor: string | null;
}

export interface QueueCountsDto {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** Kept for a while after completion, then trimmed */
  completed: number;
  /** Waiting while the queue is paused */
  paused: number;
}

export interface QueueDto {
  name: 'ingestion' | 'mail' | 'maintenance';
  counts: QueueCountsDto;
  /** Paused for every worker (a global pause) */
  isPaused: boolean;
}

export interface QueueListDto {
  items: QueueDto[];
  /** Always null: every queue fits one page */
  nextCursor: string | null;
}

export interface JobDto {
  /** bull's job id (unique within its queue) */
  id: string;
  name: string;
  /** The state the job was listed under */
  state: 'failed' | 'waiting' | 'active' | 'delayed' | 'completed' | 'paused';
  attemptsMade: number;
  failedReason: string | null;
  /** The latest failed attempt's stack trace, first 20 lines at most */
  stacktrace: string | null;
  /** The payload without keys that may hold secrets (password, token, secret, url, context, …) */
  data: Record<string, unknown>;
  /** When the job was added */
  timestamp: string | null;
  processedOn: string | null;
  finishedOn: string | null;
}

export interface JobPageDto {
  /** Most recent first */
  items: JobDto[];
  /** Pass as `cursor` for the next page */
  nextCursor: string | null;
}

export interface QueueDepthDto {
  /** Waiting, including jobs held by a paused queue */
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface UserStatusCountsDto {
  active: number;
  disabled: number;
}

export interface UserStatsDto {
  /** Users per role name; every role is listed, with 0 when it has no users */
  byRole: Record<string, number>;
  byStatus: UserStatusCountsDto;
  total: number;
}

export interface DocumentStatusCountsDto {
  queued: number;
  processing: number;
  completed: number;
  failed: number;
  cancelled: number;
}

export interface DocumentStatsDto {
  byStatus: DocumentStatusCountsDto;
  /** Documents in every status */
  total: number;
  /** Indexed chunks in all */
  chunks: number;
  /** Bytes of the uploaded files still kept (every status but cancelled) */
  storageBytes: number;
  /** Failed documents per error code */
  failuresByCode: Record<string, number>;
}

export interface ChatUsageDayDto {
  day: string;
  /** Questions answered that day */
  questions: number;
  answerTokens: number;
}

export interface ChatStatsDto {
  /** Questions answered today (UTC) */
  questionsToday: number;
  answerTokensToday: number;
  /** Today and the 29 days before */
  questionsLast30Days: number;
  answerTokensLast30Days: number;
  /** Days of the last 30 with any question (each answered question has one answer) */
  perDay: ChatUsageDayDto[];
}

export interface AdminStatsDto {
  users: UserStatsDto;
  /** Depth of each queue (ingestion, mail, maintenance) */
  queues: Record<string, QueueDepthDto>;
  documents: DocumentStatsDto;
  chat: ChatStatsDto;
  /** When these figures were computed */
  generatedAt: string;
}

export interface UsageTotalsDto {
  /** Password sign-ins and sign-ups */
  signIns: number;
  /** Files accepted for ingestion */
  uploads: number;
  /** Bytes of those files */
  bytesIngested: number;
  /** Chat questions answered */
  questions: number;
  /** Tokens of those answers */
  answerTokens: number;
  /** Searches inside the documents */
  searches: number;
  /** Conversations exported */
  exports: number;
  /** Documents shared (or a share changed) */
  shares: number;
  /** Distinct people who used any feature in the window */
  activeUsers: number;
}

export interface UsagePeriodDto {
  /** Password sign-ins and sign-ups */
  signIns: number;
  /** Files accepted for ingestion */
  uploads: number;
  /** Bytes of those files */
  bytesIngested: number;
  /** Chat questions answered */
  questions: number;
  /** Tokens of those answers */
  answerTokens: number;
  /** Searches inside the documents */
  searches: number;
  /** Conversations exported */
  exports: number;
  /** Documents shared (or a share changed) */
  shares: number;
  /** Distinct people who used any feature in the window */
  activeUsers: number;
  /** First day of the period (a Monday for weeks, the 1st for months) */
  period: string;
}

export interface ActiveUsersDto {
  /** The day the three figures end on (`to`) */
  asOf: string;
  /** Active on `asOf` (DAU) */
  daily: number;
  /** Active in the 7 days to `asOf` (WAU) */
  weekly: number;
  /** Active in the 30 days to `asOf` (MAU) */
  monthly: number;
}

export interface UsageTopUserDto {
  /** Password sign-ins and sign-ups */
  signIns: number;
  /** Files accepted for ingestion */
  uploads: number;
  /** Bytes of those files */
  bytesIngested: number;
  /** Chat questions answered */
  questions: number;
  /** Tokens of those answers */
  answerTokens: number;
  /** Searches inside the documents */
  searches: number;
  /** Conversations exported */
  exports: number;
  /** Documents shared (or a share changed) */
  shares: number;
  userId: string;
  /** The display name (analytics never carry e-mail addresses) */
  displayName: string;
  /** Days with any activity */
  activeDays: number;
}

export interface UsageFailureDto {
  code: string;
  count: number;
}

export interface UsageReportDto {
  from: string;
  to: string;
  groupBy: 'day' | 'week' | 'month';
  totals: UsageTotalsDto;
  /** One entry per period of the window, oldest first, periods without use as 0 */
  series: UsagePeriodDto[];
  activeUsers: ActiveUsersDto;
  /** The 10 most active people in the window (by actions: sign-ins, uploads, questions, searches, exports, shares) */
  topUsers: UsageTopUserDto[];
  /** Documents that failed ingestion in the window, per error code */
  failuresByCode: UsageFailureDto[];
  generatedAt: string;
}

export interface AdminHealthDto {
  /** `error` when any dependency is down */
  status: 'ok' | 'error';
  checkedAt: string;
  /** Per dependency (database, redis, queue, storage): `status`, and `latencyMs`, the error `message` when down, or per-queue `{status, waiting}` */
  checks: Record<
    string,
    {
      status: 'up' | 'down';
      [key: string]: unknown;
    }
  >;
}

export interface IngestionProgressDto {
  status: 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';
  stage: 'validating' | 'extracting' | 'chunking' | 'indexing' | 'done';
  progress: number;
  documentId: string;
}
