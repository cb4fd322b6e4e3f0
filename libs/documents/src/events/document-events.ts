import type { SharePermission } from '../entities/document-share.entity';

/** Api: files of one upload request were accepted (usage analytics, in the chat library). */
export interface DocumentsUploadedEvent {
  userId: string;
  batchId: string;
  files: number;
  bytes: number;
}

/** Api: someone searched inside their documents (usage analytics, in the chat library). */
export interface DocumentsSearchedEvent {
  userId: string;
}

/** Api: a document was shared with `userId` (created or permission changed). */
export interface DocumentSharedEvent {
  documentId: string;
  filename: string;
  ownerId: string;
  userId: string;
  permission: SharePermission;
  sharedBy: { id: string; displayName: string | null; email: string };
}

/** The api's document events, declared here once (see `DomainEvents` in @docent/common). */
declare module '@docent/common' {
  interface DomainEvents {
    'documents.uploaded': DocumentsUploadedEvent;
    'document.shared': DocumentSharedEvent;
    'documents.searched': DocumentsSearchedEvent;
  }
}
