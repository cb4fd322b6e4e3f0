import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from '@docent/common';
import type { AuthUser } from './auth.constants';
import { AuthService } from './auth.service';
import {
  ChangePasswordDto,
  ForgotPasswordDto,
  LoginDto,
  RefreshTokenDto,
  RegisterDto,
  ResetPasswordDto,
} from './dto/auth-request.dto';
import { AuthTokensDto, MeDto, SessionListDto } from './dto/auth-response.dto';
import { CurrentUser } from './guards/current-user.decorator';
import { AuthRateLimit } from './throttle/throttle';

const PROBLEM = { description: 'RFC 9457 problem details' };

@ApiTags('auth')
@ApiTooManyRequestsResponse({ description: 'Rate limited; see Retry-After' })
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @Public()
  @AuthRateLimit()
  @ApiOperation({ summary: 'Create an account (role member) and sign in' })
  @ApiCreatedResponse({ type: AuthTokensDto })
  @ApiBadRequestResponse({
    description: 'Invalid fields, or a password the policy refuses (code names the reason)',
  })
  @ApiConflictResponse({ description: 'The e-mail address is already registered' })
  register(@Body() body: RegisterDto): Promise<AuthTokensDto> {
    return this.auth.register(body);
  }

  @Post('login')
  @Public()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with e-mail and password' })
  @ApiOkResponse({ type: AuthTokensDto })
  @ApiUnauthorizedResponse({
    description: 'Unknown e-mail or wrong password (same answer for both)',
  })
  @ApiForbiddenResponse({ description: 'The account is disabled' })
  @ApiTooManyRequestsResponse({
    description: 'Too many attempts, or the account is locked (Retry-After)',
  })
  login(@Body() body: LoginDto): Promise<AuthTokensDto> {
    return this.auth.login(body);
  }

  @Post('refresh')
  @Public()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a refresh token for a new pair; the old refresh token is spent',
  })
  @ApiOkResponse({ type: AuthTokensDto })
  @ApiUnauthorizedResponse({ description: 'Invalid, expired, ended or reused refresh token' })
  refresh(@Body() body: RefreshTokenDto): Promise<AuthTokensDto> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiOperation({
    summary: 'End the session of this refresh token (its access tokens stop working too)',
  })
  @ApiNoContentResponse()
  @ApiBadRequestResponse(PROBLEM)
  @ApiUnauthorizedResponse(PROBLEM)
  async logout(@CurrentUser() caller: AuthUser, @Body() body: RefreshTokenDto): Promise<void> {
    await this.auth.logout(caller, body.refreshToken);
  }

  @Post('logout-all')
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'End every session of the caller' })
  @ApiNoContentResponse()
  @ApiUnauthorizedResponse(PROBLEM)
  async logoutAll(@CurrentUser() caller: AuthUser): Promise<void> {
    await this.auth.logoutAll(caller);
  }

  @Get('me')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'The caller, with their role and permissions' })
  @ApiOkResponse({ type: MeDto })
  @ApiUnauthorizedResponse(PROBLEM)
  me(@CurrentUser() caller: AuthUser): Promise<MeDto> {
    return this.auth.me(caller);
  }

  @Get('sessions')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: "The caller's active sessions" })
  @ApiOkResponse({ type: SessionListDto })
  @ApiUnauthorizedResponse(PROBLEM)
  sessions(@CurrentUser() caller: AuthUser): Promise<SessionListDto> {
    return this.auth.listSessions(caller);
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: "End one of the caller's sessions" })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such active session of the caller' })
  @ApiUnauthorizedResponse(PROBLEM)
  async endSession(
    @CurrentUser() caller: AuthUser,
    @Param('id', new ParseUUIDPipe({ version: undefined })) id: string,
  ): Promise<void> {
    await this.auth.endSession(caller, id);
  }

  @Post('change-password')
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Change the password; every other session ends' })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({
    description: 'Current password incorrect, or the new one is refused (code names the reason)',
  })
  @ApiUnauthorizedResponse(PROBLEM)
  async changePassword(
    @CurrentUser() caller: AuthUser,
    @Body() body: ChangePasswordDto,
  ): Promise<void> {
    await this.auth.changePassword(caller, body.currentPassword, body.newPassword);
  }

  @Post('forgot-password')
  @Public()
  @AuthRateLimit()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a single-use reset link if the address has an account (always 202)',
  })
  @ApiAcceptedResponse()
  @ApiBadRequestResponse(PROBLEM)
  forgotPassword(@Body() body: ForgotPasswordDto): void {
    this.auth.requestPasswordReset(body.email);
  }

  @Post('reset-password')
  @Public()
  @AuthRateLimit()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Set a new password with the token from the reset link; every session ends',
  })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ description: 'Invalid, used or expired token, or a refused password' })
  async resetPassword(@Body() body: ResetPasswordDto): Promise<void> {
    await this.auth.resetPassword(body.token, body.newPassword);
  }
}
