import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type AuthUser, CurrentUser } from '@docent/auth';
import { type AppAbility, CallerAbility, CheckPolicies } from '@docent/authorization';
import { CreateShareDto, ShareDto, ShareListDto, ShareRequestedDto } from '../dto/share.dto';
import { SharesService } from '../shares.service';

const PROBLEM = { description: 'RFC 9457 problem details' };
const UUID = new ParseUUIDPipe({ version: undefined });
const NOT_FOUND = { description: 'No such document, or one the caller may not read' };
const FORBIDDEN = { description: 'The caller may read the document but not manage its shares' };
const DOCUMENT_ID_PARAM = ApiParam({ name: 'id', format: 'uuid', description: 'The document id' });
/** Access is checked per document (read, then share); every signed-in caller may ask. */
const ANY_CALLER = () => true;

@ApiTags('documents')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse(PROBLEM)
@ApiTooManyRequestsResponse({ description: 'Rate limited; see Retry-After' })
@Controller('documents/:id/shares')
export class SharesController {
  constructor(private readonly shares: SharesService) {}

  @Get()
  @CheckPolicies(ANY_CALLER)
  @ApiOperation({ summary: 'Who the document is shared with (owner or admin only)' })
  @ApiOkResponse({ type: ShareListDto })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiForbiddenResponse(FORBIDDEN)
  @ApiNotFoundResponse(NOT_FOUND)
  @DOCUMENT_ID_PARAM
  list(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @Param('id', UUID) id: string,
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
  @ApiBadRequestResponse({ description: 'Invalid body (or both/neither of userId and email)' })
  @ApiForbiddenResponse(FORBIDDEN)
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiUnprocessableEntityResponse({
    description:
      '`cannot_share_with_owner` (yourself, or by id the owner); by id only: ' +
      '`share_target_not_found`, `permission_not_allowed_for_role`',
  })
  @DOCUMENT_ID_PARAM
  async share(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @Param('id', UUID) id: string,
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
  @ApiBadRequestResponse({ description: 'An id is not a UUID' })
  @ApiForbiddenResponse(FORBIDDEN)
  @ApiNotFoundResponse({ description: 'No such document (for the caller), or no such share' })
  @DOCUMENT_ID_PARAM
  @ApiParam({ name: 'userId', format: 'uuid', description: 'The user the document is shared with' })
  async unshare(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @Param('id', UUID) id: string,
    @Param('userId', UUID) userId: string,
  ): Promise<void> {
    await this.shares.unshare(caller, ability, id, userId);
  }
}
