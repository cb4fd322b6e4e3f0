export * from './role.entity';
export * from './user.entity';
export * from './session.entity';
export * from './spent-refresh-token.entity';
export * from './password-reset-token.entity';
export * from './sign-in-device.entity';
