import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'docent:isPublic';

/** Opts a route (or controller) out of the global authentication guard. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
