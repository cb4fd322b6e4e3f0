import { AppError } from '@docent/common';

/** Stable codes of the admin users API (besides those AccountService and validation give). */
export const USER_NOT_FOUND = 'user_not_found';
export const CANNOT_MODIFY_SELF = 'cannot_modify_self';
export const LAST_ADMIN = 'last_admin';
export const ADMINISTRATOR_REQUIRED = 'administrator_required';

export const userNotFound = (): AppError =>
  new AppError('not_found', USER_NOT_FOUND, 'User not found.');

export const userNotModifiable = (): AppError =>
  new AppError('forbidden', 'forbidden', 'Your role does not allow changing this user.');

export const cannotModifySelf = (what: string): AppError =>
  new AppError(
    'conflict',
    CANNOT_MODIFY_SELF,
    `You cannot ${what} your own account; ask another administrator.`,
  );

export const lastAdmin = (what: string): AppError =>
  new AppError(
    'conflict',
    LAST_ADMIN,
    `This is the last active administrator: ${what} would leave nobody able to administer Docent.`,
  );

/**
 * A custom role may hold user-management rights, but administrators are only changed, unlocked
 * or deleted (and made) by an administrator: otherwise such a role could lock every admin out.
 */
export const administratorRequired = (): AppError =>
  new AppError(
    'forbidden',
    ADMINISTRATOR_REQUIRED,
    'Only an administrator may change, unlock or delete an administrator, or make someone one.',
  );
