import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { User } from '@docent/auth';
import { USAGE_COUNTER_NAMES, USAGE_COUNTERS, type UsageCounter, UsageDaily } from '@docent/chat';
import type { UsageGrouping } from './dto/usage.dto';

export type UsageCounts = Record<UsageCounter, number>;

export interface UsagePeriodRow extends UsageCounts {
  period: string;
  activeUsers: number;
}

export interface UsageUserRow extends UsageCounts {
  userId: string;
  displayName: string;
  activeDays: number;
}

/** Actions a person takes (the ranking of the top users); bytes and tokens are their sizes. */
const ACTIONS: UsageCounter[] = [
  'signIns',
  'uploads',
  'questions',
  'searches',
  'exports',
  'shares',
];

const sums = (alias: string) =>
  USAGE_COUNTER_NAMES.map(
    (name) => `coalesce(sum(${alias}.${USAGE_COUNTERS[name]}), 0)::text as "${name}"`,
  ).join(', ');

type Raw = Record<string, string | number | null>;

const counts = (row: Raw): UsageCounts =>
  Object.fromEntries(
    USAGE_COUNTER_NAMES.map((name) => [name, Number(row[name] ?? 0)]),
  ) as UsageCounts;

/**
 * Aggregates over `usage_daily` for the admin usage report: GROUP BY queries over the window's
 * rows (the day index bounds them), one row per period, per user or in all.
 */
@Injectable()
export class UsageReportRepository {
  constructor(private readonly em: EntityManager) {}

  private get table(): string {
    return this.em.getMetadata(UsageDaily).tableName;
  }

  /** One row per period from the period holding `from` to the one holding `to`, zeros included. */
  async perPeriod(from: string, to: string, groupBy: UsageGrouping): Promise<UsagePeriodRow[]> {
    const rows = await this.em.getConnection().execute<Raw[]>(
      `select to_char(p.start, 'YYYY-MM-DD') as period, ${sums('u')},
              count(distinct u.user_id)::int as "activeUsers"
         from generate_series(date_trunc(?, ?::timestamp), ?::timestamp, ('1 ' || ?)::interval) as p(start)
         left join "${this.table}" u
           on u.day >= p.start and u.day < p.start + ('1 ' || ?)::interval
          and u.day between ?::date and ?::date
        group by p.start
        order by p.start`,
      [groupBy, from, to, groupBy, groupBy, from, to],
    );
    return rows.map((row) => ({
      period: String(row.period),
      activeUsers: Number(row.activeUsers),
      ...counts(row),
    }));
  }

  /** The window's sums and its distinct active people. */
  async totals(from: string, to: string): Promise<UsageCounts & { activeUsers: number }> {
    const [row] = await this.em.getConnection().execute<Raw[]>(
      `select ${sums('u')}, count(distinct u.user_id)::int as "activeUsers"
         from "${this.table}" u
        where u.day between ?::date and ?::date`,
      [from, to],
    );
    return { ...counts(row ?? {}), activeUsers: Number(row?.activeUsers ?? 0) };
  }

  /** Distinct people with any use on `asOf`, in the 7 and in the 30 days ending on it: one scan. */
  async activeUsers(asOf: string): Promise<{ daily: number; weekly: number; monthly: number }> {
    const [row] = await this.em.getConnection().execute<Raw[]>(
      `select count(distinct user_id) filter (where day = ?::date)::int as daily,
              count(distinct user_id) filter (where day > ?::date - 7)::int as weekly,
              count(distinct user_id)::int as monthly
         from "${this.table}"
        where day between ?::date - 29 and ?::date`,
      [asOf, asOf, asOf, asOf],
    );
    return {
      daily: Number(row?.daily ?? 0),
      weekly: Number(row?.weekly ?? 0),
      monthly: Number(row?.monthly ?? 0),
    };
  }

  /** The `limit` most active people in the window (by actions), then by id for a stable order. */
  async topUsers(from: string, to: string, limit: number): Promise<UsageUserRow[]> {
    const users = this.em.getMetadata(User).tableName;
    const activity = ACTIONS.map((name) => `sum(u.${USAGE_COUNTERS[name]})`).join(' + ');
    const rows = await this.em.getConnection().execute<Raw[]>(
      `select u.user_id as "userId", p.display_name as "displayName", ${sums('u')},
              count(*)::int as "activeDays"
         from "${this.table}" u
         join "${users}" p on p.id = u.user_id
        where u.day between ?::date and ?::date
        group by u.user_id, p.display_name
        order by ${activity} desc, u.user_id
        limit ?`,
      [from, to, limit],
    );
    return rows.map((row) => ({
      userId: String(row.userId),
      displayName: String(row.displayName ?? ''),
      activeDays: Number(row.activeDays),
      ...counts(row),
    }));
  }
}
