import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError, IS_PUBLIC } from '@docent/common';
import { AbilityFactory } from './ability.factory';
import type { AppAbility } from './permissions';

export type PolicyHandler = (ability: AppAbility) => boolean;
export const CHECK_POLICIES = 'docent:checkPolicies';

/**
 * "May this role do this kind of thing at all": e.g. `@CheckPolicies((a) => a.can('read', 'AuditEvent'))`.
 * A type-level check only; a loaded record is checked again in the service (CASL's
 * `can(action, 'Type')` is true when any conditional rule exists).
 */
export const CheckPolicies = (...handlers: PolicyHandler[]): MethodDecorator & ClassDecorator =>
  SetMetadata(CHECK_POLICIES, handlers);

interface RequestWithAbility {
  user?: { id: string; role: string };
  ability?: AppAbility;
}

/** The request's ability, built once and reused by the guard, services and `@Ability()`. */
export async function abilityOf(
  request: RequestWithAbility,
  factory: AbilityFactory,
): Promise<AppAbility> {
  if (!request.user)
    throw new AppError('unauthenticated', 'missing_token', 'Authentication is required.');
  request.ability ??= await factory.forUser(request.user);
  return request.ability;
}

/** Global, after authentication: enforces `@CheckPolicies` (403 when a handler says no). */
@Injectable()
export class PoliciesGuard implements CanActivate {
  /** Each handler's policies (none for public routes): metadata, read once per handler. */
  private readonly policies = new WeakMap<object, readonly PolicyHandler[]>();

  constructor(
    private readonly reflector: Reflector,
    private readonly factory: AbilityFactory,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const handlers = this.policiesOf(context);
    // most routes have no policy: answered synchronously, no promise
    if (handlers.length === 0) return true;
    return this.check(context, handlers);
  }

  private async check(
    context: ExecutionContext,
    handlers: readonly PolicyHandler[],
  ): Promise<boolean> {
    const ability = await abilityOf(
      context.switchToHttp().getRequest<RequestWithAbility>(),
      this.factory,
    );
    if (!handlers.every((handler) => handler(ability))) {
      throw new AppError('forbidden', 'forbidden', 'Your role does not allow this.');
    }
    return true;
  }

  private policiesOf(context: ExecutionContext): readonly PolicyHandler[] {
    const handler = context.getHandler();
    let policies = this.policies.get(handler);
    if (!policies) {
      const targets = [handler, context.getClass()];
      policies = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)
        ? []
        : this.reflector.getAllAndMerge<PolicyHandler[]>(CHECK_POLICIES, targets);
      this.policies.set(handler, policies);
    }
    return policies;
  }
}

/**
 * The caller's CASL ability, as the policies guard built it for this request. Only on routes
 * with `@CheckPolicies` (the guard builds the ability only when it has something to check).
 */
export const CallerAbility = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AppAbility => {
    const ability = context.switchToHttp().getRequest<RequestWithAbility>().ability;
    if (!ability) {
      throw new AppError(
        'internal',
        'ability_missing',
        'CallerAbility used on a route without @CheckPolicies',
      );
    }
    return ability;
  },
);
