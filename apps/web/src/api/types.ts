/** The shapes of the public API the client uses (SPEC.md §3, §5–§8). */

export interface FieldProblem {
  field: string;
  message: string;
}

export interface ProblemDetails {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldProblem[];
  [key: string]: unknown;
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: string;
  status: string;
  createdAt: string;
}

export interface AuthTokens {
  user: User;
  accessToken: string;
  expiresIn: number;
}

export interface PermissionRule {
  action: string | string[];
  subject: string | string[];
  conditions?: Record<string, unknown>;
  inverted?: boolean;
}

export interface Me {
  id: string;
  email: string;
  displayName: string;
  role: string;
  permissions: PermissionRule[];
  createdAt: string;
}

export interface Session {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type DocumentStatus = 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';

export interface DocumentItem {
  id: string;
  filename: string;
  mimeType: string;
  sizeBytes: number;
  ownerId: string;
  status: DocumentStatus;
  stage: string | null;
  progress: number;
  attempts: number;
  error: { code: string; message: string } | null;
  pageCount: number | null;
  chunkCount: number | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

export interface Rejection {
  filename: string;
  code: string;
  message: string;
}

export interface UploadResult {
  batchId?: string;
  accepted: DocumentItem[];
  rejected: Rejection[];
}

export interface Share {
  userId: string;
  email: string;
  displayName: string;
  permission: 'read' | 'write';
  createdAt: string;
}

/** A share by e-mail: the same answer whether or not the address has an account. */
export interface ShareRequested {
  email: string;
  permission: 'read' | 'write';
}

export interface SearchHit {
  chunkId: string;
  documentId: string;
  filename: string;
  page: number | null;
  snippet: string;
  score: number;
}

export interface ChatSession {
  id: string;
  title: string;
  documentIds: string[] | null;
  messageCount: number;
  createdAt: string;
  lastActivityAt: string;
  expiresAt: string;
}

export interface Citation {
  documentId: string;
  filename: string;
  page: number | null;
  chunkId: string;
  snippet: string;
  score: number;
}

export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  citations: Citation[];
  createdAt: string;
}

export interface AskResult {
  userMessage: ChatMessage;
  assistantMessage: ChatMessage;
}

export interface Notification {
  id: string;
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  readAt: string | null;
  createdAt: string;
}

export type NotificationPreferences = Record<string, { inApp: boolean; email: boolean }>;

export interface IngestionProgress {
  documentId: string;
  status: DocumentStatus;
  stage: string | null;
  progress: number;
  error?: { code: string; message: string } | null;
}

export interface AdminUser {
  id: string;
  email: string;
  displayName: string;
  role: string;
  status: string;
  createdAt: string;
  updatedAt: string;
}

export interface Role {
  id: string;
  name: string;
  description: string;
  builtIn: boolean;
  permissions: { action: string; subject: string; own: boolean }[];
  rules?: RoleRule[];
}

export interface RoleRule {
  action: string;
  subject: string;
  own: boolean;
  inverted: boolean;
}

export interface CatalogueEntry {
  action: string;
  subject: string;
  ownable: boolean;
}

export interface AuditEvent {
  id: string;
  action: string;
  outcome?: string;
  actorId: string | null;
  targetType: string | null;
  targetId: string | null;
  ip?: string | null;
  metadata?: Record<string, unknown>;
  occurredAt: string;
}

export interface QueueCounts {
  name: string;
  counts: Record<string, number>;
  isPaused: boolean;
}

export interface QueueJob {
  id: string;
  name: string;
  state: string;
  attemptsMade: number;
  failedReason: string | null;
  timestamp: string | null;
}
