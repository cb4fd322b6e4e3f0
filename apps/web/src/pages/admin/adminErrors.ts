// The admin API's refusals as sentences for people: each stable problem `code` (SPEC §2) gets
// a text of its own, placed next to the field it is about when there is one. Never a raw code.

import { ApiError, messageOf } from '../../api/errors';

interface CodeText {
  /** the form field the problem is about, if any */
  field?: string;
  /** the sentence; `null` keeps the api's own detail (it carries numbers, e.g. the minimum) */
  text: string | null;
}

const CODE_TEXT: Record<string, CodeText> = {
  last_admin: {
    text: 'This is the last active administrator. Make another user an administrator first: Docent must always keep one.',
  },
  cannot_modify_self: {
    text: 'You cannot change the role or status of your own account, or delete it. Ask another administrator.',
  },
  administrator_required: {
    text: 'Only an administrator can change, unlock or delete an administrator, or make someone an administrator.',
  },
  forbidden: { text: 'Your role does not allow this change.' },
  email_taken: { field: 'email', text: 'An account with this e-mail address already exists.' },
  unknown_role: {
    field: 'role',
    text: 'This role does not exist any more. Reload the page and choose another one.',
  },
  user_not_found: { text: 'This user no longer exists. Reload the page.' },
  password_too_short: { field: 'password', text: null },
  password_too_long: { field: 'password', text: null },
  password_too_common: {
    field: 'password',
    text: 'This password is too common (it is on a list of breached passwords). Choose another one, e.g. a few unrelated words.',
  },
  password_derived_from_email: {
    field: 'password',
    text: 'The password must not be based on the e-mail address. Choose another one.',
  },
  role_name_taken: { field: 'name', text: 'A role with this name already exists.' },
  role_not_found: { text: 'This role no longer exists. Reload the page.' },
  builtin_role: {
    text: 'Built-in roles (admin, member, viewer) cannot be renamed, changed or deleted. Create a custom role instead.',
  },
  // the api's detail names how many users still have the role
  role_in_use: { text: null },
  permission_not_grantable: {
    text: 'You cannot grant a permission that your own role does not have. Untick the permissions you do not hold.',
  },
  permission_not_ownable: {
    text: 'Some permissions cannot be limited to the user’s own records. Untick “own only” for them.',
  },
  unknown_permission: {
    text: 'A permission is not in the catalogue any more. Reload the page and try again.',
  },
  duplicate_permission: { text: 'A permission is listed twice. Reload the page and try again.' },
  rate_limited: { text: null },
};

export interface DescribedProblem {
  /** the form-level sentence (an alert), or null when the field messages say it all */
  message: string | null;
  /** a sentence per form field */
  fields: Record<string, string>;
}

/** What went wrong, in sentences: for the alert and for each field. */
export function describeProblem(error: unknown): DescribedProblem {
  if (!(error instanceof ApiError)) return { message: messageOf(error), fields: {} };
  const fields = { ...error.fields };
  const known = error.code ? CODE_TEXT[error.code] : undefined;
  if (known) {
    const text = known.text ?? fields[known.field ?? ''] ?? messageOf(error);
    if (known.field) {
      fields[known.field] = text;
      return { message: null, fields };
    }
    return { message: text, fields: {} };
  }
  if (Object.keys(fields).length > 0) {
    return { message: 'Please correct the highlighted fields.', fields };
  }
  return { message: messageOf(error), fields };
}

/** The one sentence for a toast or an alert (field messages folded in). */
export function problemSentence(error: unknown): string {
  const { message, fields } = describeProblem(error);
  return message ?? Object.values(fields).join(' ');
}
