import { AppError, type FieldError, NotFoundError } from '@docent/common';

/** Errors of the role administration, each with a stable code. */

export const roleNotFound = (): AppError => new NotFoundError('Role', 'role_not_found');

export const roleNameTaken = (name: string): AppError =>
  new AppError('conflict', 'role_name_taken', `A role named "${name}" already exists.`, {
    errors: [{ field: 'name', message: 'role name is already taken' }],
  });

export type BuiltInChange = 'rename' | 'permissions' | 'delete';

const BUILT_IN_MESSAGES: Record<BuiltInChange, string> = {
  rename: 'Built-in roles cannot be renamed.',
  permissions:
    'The permissions of built-in roles are read-only; create a custom role with the permissions you need.',
  delete: 'Built-in roles cannot be deleted.',
};

export const builtInRole = (change: BuiltInChange, roleName: string): AppError =>
  new AppError('conflict', 'builtin_role', BUILT_IN_MESSAGES[change], {
    extensions: { role: roleName },
    ...(change === 'rename'
      ? { errors: [{ field: 'name', message: 'built-in roles cannot be renamed' }] }
      : change === 'permissions'
        ? { errors: [{ field: 'permissions', message: 'built-in permissions are read-only' }] }
        : {}),
  });

export const roleInUse = (userCount: number): AppError =>
  new AppError(
    'conflict',
    'role_in_use',
    `The role is still assigned to ${userCount} user${userCount === 1 ? '' : 's'}; give them another role first.`,
    { extensions: { userCount } },
  );

export const duplicatePermission = (errors: FieldError[]): AppError =>
  new AppError('bad_request', 'duplicate_permission', 'A permission is listed more than once.', {
    errors,
  });

export const unknownPermission = (errors: FieldError[]): AppError =>
  new AppError(
    'unprocessable',
    'unknown_permission',
    'A permission is not in the catalogue (GET /api/v1/admin/permissions).',
    { errors },
  );

export const permissionNotOwnable = (errors: FieldError[]): AppError =>
  new AppError(
    'unprocessable',
    'permission_not_ownable',
    'A permission cannot be limited to the user\u2019s own records.',
    { errors },
  );

export const permissionNotGrantable = (errors: FieldError[]): AppError =>
  new AppError(
    'forbidden',
    'permission_not_grantable',
    'You cannot grant a permission your own role does not hold.',
    { errors },
  );
