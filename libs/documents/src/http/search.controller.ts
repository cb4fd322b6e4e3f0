import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiProblemResponses, ApiSignedIn, RATE_LIMITED } from '@docent/common';
import { type AuthUser, CurrentUser } from '@docent/auth';
import { type AppAbility, CallerAbility, CheckPolicies } from '@docent/authorization';
import { SearchQueryDto, SearchResultDto } from '../dto/search.dto';
import { SearchService } from '../search.service';

/** Results are limited in SQL to documents the caller can read; every signed-in caller may ask. */
const ANY_CALLER = () => true;

@ApiSignedIn('search', { 429: RATE_LIMITED })
@Controller('search')
export class SearchController {
  constructor(private readonly searchService: SearchService) {}

  @Get()
  @CheckPolicies(ANY_CALLER)
  @ApiOperation({
    summary: 'Full-text search over the chunks of documents you can read, best first',
    description:
      'Chunks holding any word of the query (English stemming) are ranked by Okapi BM25 with ' +
      'statistics over the documents you can read (never over anyone else’s), plus evidence ' +
      'from query words found close together; the snippet marks matched words with « and ». ' +
      'Only completed documents are searched. `group=document` returns the best chunk of each ' +
      'document (distinct documents).',
  })
  @ApiOkResponse({ type: SearchResultDto })
  @ApiProblemResponses({ 400: 'Invalid q, limit, group or documentIds' })
  search(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @Query() query: SearchQueryDto,
  ): Promise<SearchResultDto> {
    return this.searchService.search(caller, ability, query);
  }
}
