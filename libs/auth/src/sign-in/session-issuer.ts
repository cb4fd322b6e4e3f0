import { Injectable } from '@nestjs/common';
import { RequestContext } from '@docent/common';
import { AccountService } from '../accounts/account.service';
import { AuthTokensDto, UserDto } from '../dto/auth-response.dto';
import type { User } from '../entities/user.entity';
import { type ClientInfo, SessionService } from '../sessions/session.service';
import { AccessTokenService } from '../tokens/access-token.service';

/** Opens a session for a user who just proved who they are (registration, sign-in). */
@Injectable()
export class SessionIssuer {
  constructor(
    private readonly accounts: AccountService,
    private readonly sessions: SessionService,
    private readonly tokens: AccessTokenService,
    private readonly context: RequestContext,
  ) {}

  /** The caller's address and user agent, as the session and device records keep them. */
  client(): ClientInfo {
    const { ip, userAgent } = this.context.snapshot();
    return { ip, userAgent };
  }

  async open(user: User): Promise<AuthTokensDto> {
    const { session, refreshToken } = await this.sessions.create(user, this.client());
    await this.accounts.cacheState(user);
    const { accessToken, expiresIn } = await this.tokens.issue({
      sub: user.id,
      role: user.role.name,
      sid: session.id,
    });
    return { user: UserDto.from(user), accessToken, refreshToken, expiresIn };
  }
}
