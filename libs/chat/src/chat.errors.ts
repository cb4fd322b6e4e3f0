import { AppError, type FieldError } from '@docent/common';

/** Unknown, expired, or someone else's session (admins included): always the same 404. */
export function sessionNotFound(): AppError {
  return new AppError('not_found', 'chat_session_not_found', 'Chat session not found.');
}

export function documentsNotReadable(errors: FieldError[]): AppError {
  return new AppError(
    'unprocessable',
    'chat_documents_not_readable',
    'Some documents do not exist or you may not read them.',
    { errors },
  );
}

/** The client went away before the answer was complete: nothing was stored. */
export class AnswerAbortedError extends AppError {
  constructor() {
    super(
      'bad_request',
      'chat_answer_aborted',
      'The client disconnected before the answer was complete.',
    );
  }
}
