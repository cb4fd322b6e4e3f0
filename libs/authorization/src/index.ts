export * from './permissions';
export * from './role-permission.entity';
export * from './ability.factory';
export * from './accessible-where';
export * from './policies';
export * from './authorization.module';
