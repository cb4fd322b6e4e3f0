/**
 * Every queue, job name and payload in one place. Payloads carry ids (the consumer reloads
 * state) and the request id of the call that caused them, for log correlation.
 */
export const QUEUES = {
  ingestion: 'ingestion',
  mail: 'mail',
  maintenance: 'maintenance',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const QUEUE_NAMES: readonly QueueName[] = Object.values(QUEUES);

export const JOBS = {
  ingestion: { ingest: 'ingest' },
  mail: { send: 'send' },
  maintenance: {
    purge: 'purge',
    /** Chat: drop expired sessions from the per-user indexes (repeatable). */
    chatPruneIndex: 'chat.prune-index',
    /** Notifications: delete notifications older than NOTIFICATION_RETENTION (repeatable). */
    notificationsPurge: 'notifications.purge',
    /** Auth: delete ended sessions, old spent refresh tokens, used or expired reset tokens (repeatable). */
    authPurge: 'auth.purge',
    /** Mail: delete failed mail jobs past their retention (repeatable). */
    mailPurge: 'mail.purge-failed',
    /** Documents: remove the stored files of deleted documents (hint on delete, repeatable sweep). */
    documentsRemoveFiles: 'documents.remove-files',
    /** Documents: queue documents whose job was never queued or was lost (repeatable). */
    documentsQueuePending: 'documents.queue-pending',
  },
} as const;

interface TracedPayload {
  /** X-Request-Id of the request that enqueued the job, when there was one. */
  requestId?: string;
  /**
   * W3C trace context of the request that enqueued the job (`traceparent`, `tracestate`), when
   * tracing is on: the worker's spans continue that trace.
   */
  traceContext?: Record<string, string>;
}

export interface IngestJobPayload extends TracedPayload {
  documentId: string;
  /** Incremented on reingest so a new run gets a new jobId. */
  ingestionVersion: number;
}

// The mail payload (`SendMailJob`) lives with its templates in @docent/mail, which builds on this
// library: its context type depends on the template.

export interface MaintenanceJobPayload extends TracedPayload {
  task: string;
}

export interface JobPayloads {
  ingestion: IngestJobPayload;
  maintenance: MaintenanceJobPayload;
}
