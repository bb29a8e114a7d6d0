// EncryptedEmail:AddEmail and EmailAccess:Update (handlers/email.ts).
import { signedBy } from './common.js';
import type { Generator } from './types.js';

export const EMAIL: readonly Generator[] = [
  {
    key: 'EncryptedEmail:AddEmail',
    weight: 0.2,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      const r = world.user(rng);
      return (
        u &&
        r &&
        signedBy(u, 'EncryptedEmail', 'AddEmail', 0, {
          email_owner_user_id: u.id,
          encrypted_email: rng.hex(24),
          access_grants: [
            {
              receiving_user_id: r.id,
              grantor_user_id: u.id,
              encrypted_key: rng.hex(16),
              is_initial: true,
            },
          ],
        })
      );
    },
  },
  {
    key: 'EmailAccess:Update',
    weight: 0.1,
    gen: ({ world, rng }) => {
      const [u, r] = [world.user(rng), world.user(rng)];
      return (
        u &&
        r &&
        signedBy(u, 'EmailAccess', 'Update', 0, {
          email_owner_user_id: u.id,
          access_grants: [{ receiving_user_id: r.id, grantor_user_id: u.id, encrypted_key: rng.hex(16) }],
        })
      );
    },
  },
];
