import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { sha256Hex } from '../tokens/token-hash';
import { describeUserAgent, networkOf } from './client-fingerprint';
import type { ClientInfo } from './session.service';

/** A device not seen for this long signs in as a new one. */
export const KNOWN_DEVICE_MEMORY_MS = 90 * 86_400_000;
/** Devices remembered per user (the most recently seen); older ones are forgotten. */
export const DEVICES_PER_USER = 20;

export interface SignInObservation {
  /** True when the user has signed in before, but not from this device recently. */
  isNew: boolean;
  /** Coarse description for the notice ("Firefox on Windows"). */
  device: string;
}

/**
 * Remembers the devices (network + coarse user agent) each user signs in from, so a sign-in from
 * an unfamiliar one can be reported to the account's owner. The very first sign-in of an account
 * (the first login after registration or after an administrator created it) has nothing to
 * compare with and is never reported.
 */
@Injectable()
export class SignInDevices {
  constructor(private readonly em: EntityManager) {}

  async observe(userId: string, client: ClientInfo, at = new Date()): Promise<SignInObservation> {
    const device = describeUserAgent(client.userAgent);
    const fingerprint = sha256Hex(`${networkOf(client.ip) ?? 'unknown'}\n${device}`);
    const connection = this.em.getConnection();
    // both reads see the rows as they were before this statement's own upsert
    const [row] = await connection.execute<{ known: string; last_seen_at: Date | null }[]>(
      `with upsert as (
         insert into "sign_in_devices" ("user_id", "fingerprint", "first_seen_at", "last_seen_at")
         values (?, ?, ?, ?)
         on conflict ("user_id", "fingerprint") do update set "last_seen_at" = excluded."last_seen_at"
       )
       select (select count(*) from "sign_in_devices" where "user_id" = ?) as "known",
              (select "last_seen_at" from "sign_in_devices"
                where "user_id" = ? and "fingerprint" = ?) as "last_seen_at"`,
      [userId, fingerprint, at, at, userId, userId, fingerprint],
    );
    const known = Number(row.known);
    if (known >= DEVICES_PER_USER) {
      await connection.execute(
        `delete from "sign_in_devices" where "user_id" = ? and "fingerprint" in (
           select "fingerprint" from "sign_in_devices" where "user_id" = ?
            order by "last_seen_at" desc offset ?)`,
        [userId, userId, DEVICES_PER_USER],
      );
    }
    const lastSeen = row.last_seen_at ? new Date(row.last_seen_at).getTime() : null;
    const recent = lastSeen !== null && at.getTime() - lastSeen < KNOWN_DEVICE_MEMORY_MS;
    return { isNew: known > 0 && !recent, device };
  }
}
