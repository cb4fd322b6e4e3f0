import { Injectable } from '@nestjs/common';
import { ValidationFailedError } from '@docent/common';
import { DocumentStatsRepository } from '@docent/documents';
import type { UsageQueryDto, UsageReportDto } from './dto/usage.dto';
import { parseInstant } from './instant';
import { UsageReportRepository } from './usage-report.repository';

const DAY_MS = 86_400_000;
/** The longest window one report covers (a year and a day, so any calendar year fits). */
export const USAGE_MAX_DAYS = 366;
/** How many of the most active people the report lists. */
export const USAGE_TOP_USERS = 10;

const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/**
 * The admin usage report (SPEC §9 usage analytics, issue 16): the per-feature counters of
 * `usage_daily` over a window of UTC days, grouped by day, week or month, with the daily, weekly
 * and monthly active people, the most active people and the ingestion failures of the window.
 */
@Injectable()
export class UsageReportService {
  constructor(
    private readonly usage: UsageReportRepository,
    private readonly documentStats: DocumentStatsRepository,
  ) {}

  async report(query: UsageQueryDto, now = new Date()): Promise<UsageReportDto> {
    const { from, to } = window(query, now);
    const groupBy = query.groupBy ?? 'day';
    const [series, totals, active, topUsers, failures] = await Promise.all([
      this.usage.perPeriod(from, to, groupBy),
      this.usage.totals(from, to),
      this.usage.activeUsers(to),
      this.usage.topUsers(from, to, USAGE_TOP_USERS),
      this.documentStats.failuresByCodeBetween(from, to),
    ]);
    return {
      from,
      to,
      groupBy,
      totals,
      series,
      activeUsers: { asOf: to, ...active },
      topUsers,
      failuresByCode: failures,
      generatedAt: now.toISOString(),
    };
  }
}

/** The window's first and last day: defaults, real calendar dates, in order, not too long. */
export function window(query: UsageQueryDto, now: Date): { from: string; to: string } {
  const errors: { field: string; message: string }[] = [];
  const toDate = query.to === undefined ? parseInstant(dayOf(now)) : parseInstant(query.to);
  if (toDate === null) errors.push({ field: 'to', message: 'to is not a calendar date' });
  const fromDate =
    query.from === undefined
      ? toDate && new Date(toDate.getTime() - 29 * DAY_MS)
      : parseInstant(query.from);
  if (fromDate === null) errors.push({ field: 'from', message: 'from is not a calendar date' });
  if (errors.length > 0) throw new ValidationFailedError(errors, 'The date window is invalid.');
  const first = fromDate as Date;
  const last = toDate as Date;
  if (first > last) {
    throw new ValidationFailedError(
      [{ field: 'from', message: 'from must not be later than to' }],
      'The date window is empty: from is later than to.',
    );
  }
  const days = Math.round((last.getTime() - first.getTime()) / DAY_MS) + 1;
  if (days > USAGE_MAX_DAYS) {
    throw new ValidationFailedError(
      [{ field: 'from', message: `the window may cover at most ${USAGE_MAX_DAYS} days` }],
      `The date window covers ${days} days; at most ${USAGE_MAX_DAYS} are allowed.`,
    );
  }
  return { from: dayOf(first), to: dayOf(last) };
}
