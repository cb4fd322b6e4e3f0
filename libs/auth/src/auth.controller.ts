import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ApiProblemResponses,
  AppError,
  PROBLEM_DETAILS,
  Public,
  RATE_LIMITED,
  UuidParam,
  ValidationFailedError,
} from '@docent/common';
import type { AuthUser } from './auth.constants';
import { refreshTokenMissing } from './auth.errors';
import { MeService } from './accounts/me.service';
import { PasswordChangeService } from './accounts/password-change.service';
import {
  ChangePasswordDto,
  ForgotPasswordDto,
  LoginDto,
  OptionalRefreshTokenDto,
  RegisterDto,
  ResetPasswordDto,
} from './dto/auth-request.dto';
import { AuthTokensDto, MeDto, SessionListDto } from './dto/auth-response.dto';
import { CurrentUser } from './guards/current-user.decorator';
import {
  REFRESH_COOKIE_NAME,
  REFRESH_TRANSPORT_COOKIE,
  REFRESH_TRANSPORT_HEADER,
  RefreshCookie,
  readCookie,
} from './refresh-cookie';
import { PasswordResetService } from './password-reset/password-reset.service';
import { ResetRequestService } from './password-reset/reset-request.service';
import { SessionTokensService } from './sign-in/session-tokens.service';
import { SignInService } from './sign-in/sign-in.service';
import { AuthRateLimit } from './throttle/throttle';

const COOKIE_TRANSPORT = ApiHeader({
  name: 'X-Refresh-Token-Transport',
  required: false,
  description:
    'Browsers send `cookie`: the refresh token then travels in an httpOnly, SameSite=Strict ' +
    'cookie scoped to /api/v1/auth (set by register, login and refresh, read by refresh and ' +
    'logout when the body has none, cleared by logout) and is left out of the JSON body.',
});

const wantsCookie = (request: FastifyRequest): boolean =>
  request.headers[REFRESH_TRANSPORT_HEADER] === REFRESH_TRANSPORT_COOKIE;

const MISSING_REFRESH_TOKEN = () =>
  new ValidationFailedError([{ field: 'refreshToken', message: 'refreshToken must be a string' }]);

@ApiTags('auth')
@ApiProblemResponses({ 429: RATE_LIMITED })
@Controller('auth')
export class AuthController {
  constructor(
    private readonly signIn: SignInService,
    private readonly sessionTokens: SessionTokensService,
    private readonly account: MeService,
    private readonly passwordChange: PasswordChangeService,
    private readonly resetRequests: ResetRequestService,
    private readonly passwordReset: PasswordResetService,
    private readonly cookie: RefreshCookie,
  ) {}

  /** In the cookie flow the refresh token goes into the cookie and out of the body. */
  private deliver(
    tokens: AuthTokensDto,
    request: FastifyRequest,
    reply: FastifyReply,
  ): AuthTokensDto {
    if (!wantsCookie(request)) return tokens;
    void reply.header('set-cookie', this.cookie.issue(tokens.refreshToken));
    void reply.header('cache-control', 'no-store');
    const { refreshToken: _kept, ...rest } = tokens;
    return rest as AuthTokensDto;
  }

  /** The body's token, else (cookie flow only) the cookie's. */
  private refreshTokenOf(body: OptionalRefreshTokenDto, request: FastifyRequest) {
    if (body.refreshToken !== undefined) return body.refreshToken;
    if (!wantsCookie(request)) return undefined;
    return readCookie(request.headers.cookie, REFRESH_COOKIE_NAME);
  }

  @Post('register')
  @Public()
  @AuthRateLimit()
  @ApiOperation({ summary: 'Create an account (role member) and sign in' })
  @ApiCreatedResponse({ type: AuthTokensDto })
  @ApiProblemResponses({
    400: 'Invalid fields, or a password the policy refuses (code names the reason)',
    409: 'The e-mail address is already registered',
  })
  @COOKIE_TRANSPORT
  async register(
    @Body() body: RegisterDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthTokensDto> {
    return this.deliver(await this.signIn.register(body), request, reply);
  }

  @Post('login')
  @Public()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with e-mail and password' })
  @ApiOkResponse({ type: AuthTokensDto })
  @ApiProblemResponses({
    401: 'Unknown e-mail or wrong password (same answer for both)',
    403: 'The account is disabled',
    429: 'Too many attempts, or the account is locked (Retry-After)',
  })
  @COOKIE_TRANSPORT
  async login(
    @Body() body: LoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthTokensDto> {
    return this.deliver(await this.signIn.login(body), request, reply);
  }

  @Post('refresh')
  @Public()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a refresh token for a new pair; the old refresh token is spent',
  })
  @ApiOkResponse({ type: AuthTokensDto })
  @ApiProblemResponses({ 401: 'Invalid, expired, ended or reused refresh token' })
  @COOKIE_TRANSPORT
  async refresh(
    @Body() body: OptionalRefreshTokenDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthTokensDto> {
    const refreshToken = this.refreshTokenOf(body, request);
    if (refreshToken === undefined) {
      // a browser without the cookie is simply not signed in
      if (wantsCookie(request)) {
        throw refreshTokenMissing();
      }
      throw MISSING_REFRESH_TOKEN();
    }
    try {
      return this.deliver(await this.sessionTokens.refresh(refreshToken), request, reply);
    } catch (error) {
      // a cookie that no longer works is dropped, so the browser stops presenting it; an outage
      // (503) or a rate limit (429) says nothing about the token: the cookie stays for the retry
      const refused = error instanceof AppError && error.kind === 'unauthenticated';
      if (refused && wantsCookie(request)) void reply.header('set-cookie', this.cookie.clear());
      throw error;
    }
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiOperation({
    summary: 'End the session of this refresh token (its access tokens stop working too)',
  })
  @ApiNoContentResponse()
  @ApiProblemResponses({ 400: PROBLEM_DETAILS, 401: PROBLEM_DETAILS })
  @COOKIE_TRANSPORT
  async logout(
    @CurrentUser() caller: AuthUser,
    @Body() body: OptionalRefreshTokenDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const refreshToken = this.refreshTokenOf(body, request);
    if (wantsCookie(request)) void reply.header('set-cookie', this.cookie.clear());
    if (refreshToken === undefined) {
      if (!wantsCookie(request)) throw MISSING_REFRESH_TOKEN();
      // a browser without its cookie: end the session its access token belongs to
      await this.account.endSession(caller, caller.sessionId);
      return;
    }
    await this.sessionTokens.logout(caller, refreshToken);
  }

  @Post('logout-all')
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'End every session of the caller' })
  @ApiNoContentResponse()
  @ApiProblemResponses({ 401: PROBLEM_DETAILS })
  async logoutAll(@CurrentUser() caller: AuthUser): Promise<void> {
    await this.sessionTokens.logoutAll(caller);
  }

  @Get('me')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'The caller, with their role and permissions' })
  @ApiOkResponse({ type: MeDto })
  @ApiProblemResponses({ 401: PROBLEM_DETAILS })
  me(@CurrentUser() caller: AuthUser): Promise<MeDto> {
    return this.account.me(caller);
  }

  @Get('sessions')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: "The caller's active sessions" })
  @ApiOkResponse({ type: SessionListDto })
  @ApiProblemResponses({ 401: PROBLEM_DETAILS })
  sessions(@CurrentUser() caller: AuthUser): Promise<SessionListDto> {
    return this.account.listSessions(caller);
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: "End one of the caller's sessions" })
  @ApiNoContentResponse()
  @ApiProblemResponses({ 401: PROBLEM_DETAILS, 404: 'No such active session of the caller' })
  async endSession(@CurrentUser() caller: AuthUser, @UuidParam('id') id: string): Promise<void> {
    await this.account.endSession(caller, id);
  }

  @Post('change-password')
  @AuthRateLimit()
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiOperation({
    summary: 'Change the password; every other session ends',
    description:
      'A wrong current password counts as a failed sign-in of the account: the login lockout ' +
      'applies (429 `account_locked` with Retry-After), and so does the auth rate limit.',
  })
  @ApiNoContentResponse()
  @ApiProblemResponses({
    400: 'Current password incorrect, or the new one is refused (code names the reason)',
    401: PROBLEM_DETAILS,
    429: 'Too many attempts, or the account is locked (Retry-After)',
  })
  async changePassword(
    @CurrentUser() caller: AuthUser,
    @Body() body: ChangePasswordDto,
  ): Promise<void> {
    await this.passwordChange.changePassword(caller, body.currentPassword, body.newPassword);
  }

  @Post('forgot-password')
  @Public()
  @AuthRateLimit()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a single-use reset link if the address has an account (always 202)',
  })
  @ApiAcceptedResponse()
  @ApiProblemResponses({ 400: PROBLEM_DETAILS })
  forgotPassword(@Body() body: ForgotPasswordDto): void {
    this.resetRequests.requestPasswordReset(body.email);
  }

  @Post('reset-password')
  @Public()
  @AuthRateLimit()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Set a new password with the token from the reset link; every session ends',
  })
  @ApiNoContentResponse()
  @ApiProblemResponses({ 400: 'Invalid, used or expired token, or a refused password' })
  async resetPassword(@Body() body: ResetPasswordDto): Promise<void> {
    await this.passwordReset.resetPassword(body.token, body.newPassword);
  }
}
