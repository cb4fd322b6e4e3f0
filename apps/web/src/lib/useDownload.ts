import { messageOf } from '../api/errors';
import { download } from '../api/files';
import { useToasts } from './toasts';

/**
 * Downloads started by a click: a failure has no form to show it in, so it becomes an error toast
 * titled `failureTitle` with the problem's message.
 */
export function useDownload(): (path: string, filename: string, failureTitle?: string) => void {
  const toasts = useToasts();
  return (path, filename, failureTitle = 'Could not download') =>
    void download(path, filename).catch((e) =>
      toasts.show({ tone: 'error', title: failureTitle, body: messageOf(e) }),
    );
}

/** Where a document's bytes are served (as a download only: see `download`). */
export const documentContent = (id: string): string => `/documents/${id}/content`;
