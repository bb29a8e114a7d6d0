// rd: the referred side (docs/spec.md#challenge-rules): any current referral, whatever the referrer's verification.
import { hex } from '../catalog.js';
import { oneStep, upsertUserChallenges } from '../upsert.js';
import { userProcessor } from '../user-processor.js';
import { allReferred, referrals } from './referral.js';
import { scanReferred, USER_EVENTS_MAX } from './user-events-scan.js';

export const referred = userProcessor({
  name: 'rd',
  challengeId: 'rd',
  checkpoint: { name: 'challenges:rd:last_blocknumber', maxSql: USER_EVENTS_MAX },
  scan: scanReferred,
  async recompute(db, challenge, ids) {
    const rows = await referrals(db, ids, null);
    return upsertUserChallenges(
      db,
      challenge,
      rows.map((r) => oneStep(r.referred, `${hex(r.referred)}:${hex(r.referrer)}`, r)),
    );
  },
  allUsers: allReferred,
});
