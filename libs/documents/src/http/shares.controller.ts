import { Body, Controller, Delete, Get, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { ApiProblemResponses, ApiSignedIn, RATE_LIMITED, UuidParam } from '@docent/common';
import type { FastifyReply } from 'fastify';
import { type AuthUser, CurrentUser } from '@docent/auth';
import { type AppAbility, CallerAbility, CheckPolicies } from '@docent/authorization';
import { CreateShareDto, ShareDto, ShareListDto, ShareRequestedDto } from '../dto/share.dto';
import { SharesService } from '../shares.service';

const NOT_FOUND = 'No such document, or one the caller may not read';
const FORBIDDEN = 'The caller may read the document but not manage its shares';
/** Access is checked per document (read, then share); every signed-in caller may ask. */
const ANY_CALLER = () => true;

@ApiSignedIn('documents', { 429: RATE_LIMITED })
@Controller('documents/:id/shares')
export class SharesController {
  constructor(private readonly shares: SharesService) {}

  @Get()
  @CheckPolicies(ANY_CALLER)
  @ApiOperation({ summary: 'Who the document is shared with (owner or admin only)' })
  @ApiOkResponse({ type: ShareListDto })
  @ApiProblemResponses({ 400: 'The id is not a UUID', 403: FORBIDDEN, 404: NOT_FOUND })
  list(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The document id') id: string,
  ): Promise<ShareListDto> {
    return this.shares.list(caller, ability, id);
  }

  @Post()
  @CheckPolicies(ANY_CALLER)
  @ApiOperation({
    summary: 'Share the document with a user (by id or e-mail), or change their permission',
    description:
      'Exactly one of `userId` and `email`. By id: 201 when the share is new, 200 when an ' +
      'existing share got the given permission. By e-mail: always 202 with the same body, ' +
      'whether or not the address has an account (an address without one gets no share and no ' +
      'mail; the share list shows who has access). Each request counts against the caller’s ' +
      'budget of 50 per hour (429 `share_rate_limited` beyond).',
  })
  @ApiCreatedResponse({ type: ShareDto, description: 'Shared (by id)' })
  @ApiOkResponse({ type: ShareDto, description: 'The existing share was updated (by id)' })
  @ApiAcceptedResponse({
    type: ShareRequestedDto,
    description: 'By e-mail: shared if the address has an account that may take the share',
  })
  @ApiProblemResponses({
    400: 'Invalid body (or both/neither of userId and email)',
    403: FORBIDDEN,
    404: NOT_FOUND,
    422:
      '`cannot_share_with_owner` (yourself, or by id the owner); by id only: ' +
      '`share_target_not_found`, `permission_not_allowed_for_role`',
  })
  async share(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The document id') id: string,
    @Body() body: CreateShareDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const outcome = await this.shares.share(caller, ability, id, body);
    if (outcome.kind === 'requested') await reply.status(202).send(outcome.request);
    else await reply.status(outcome.created ? 201 : 200).send(outcome.share);
  }

  @Delete(':userId')
  @HttpCode(204)
  @CheckPolicies(ANY_CALLER)
  @ApiOperation({ summary: 'Stop sharing the document with a user (effective at once)' })
  @ApiNoContentResponse()
  @ApiProblemResponses({
    400: 'An id is not a UUID',
    403: FORBIDDEN,
    404: 'No such document (for the caller), or no such share',
  })
  async unshare(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The document id') id: string,
    @UuidParam('userId', 'The user the document is shared with') userId: string,
  ): Promise<void> {
    await this.shares.unshare(caller, ability, id, userId);
  }
}
