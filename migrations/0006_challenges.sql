-- Challenges: the catalog, user_challenges and its notification trigger, user_events, per-challenge state,
-- disbursements, and the per-processor checkpoints (spec schema-triggers-challenges §1.6–1.13, §3, §4).
-- Every statement is idempotent so this also runs on a production clone that already has these objects.
-- Incident #877/#880: every notification probe below is `type = … AND user_ids @> ARRAY[…]`, never
-- `= ANY(user_ids)`, which no GIN index can serve.

DO $$ BEGIN
  CREATE TYPE challengetype AS ENUM ('boolean', 'numeric', 'aggregate', 'trending');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

CREATE TABLE IF NOT EXISTS challenges (
  id varchar PRIMARY KEY,
  type challengetype NOT NULL,
  amount varchar NOT NULL,
  active boolean NOT NULL,
  step_count integer,
  starting_block integer,
  weekly_pool integer,
  cooldown_days integer
);

-- The production catalog (IDX seed migrations 0203/0204/0205, dvl from 0179/0186). Seeds upsert every
-- column like production, except dvl (DO NOTHING there too).
INSERT INTO challenges (id, type, amount, active, step_count, starting_block, weekly_pool, cooldown_days) VALUES
  ('p',   'numeric',   '1',    true,  7,          0,         25000,      7),
  ('u',   'numeric',   '1',    true,  3,          25346436,  25000,      7),
  ('fp',  'boolean',   '2',    true,  NULL,       28350000,  25000,      7),
  ('v',   'boolean',   '5',    true,  NULL,       0,         25000,      NULL),
  ('e',   'aggregate', '1',    false, 2147483647, 116023891, 25000,      NULL),
  ('p1',  'numeric',   '25',   true,  250,        0,         2147483647, 7),
  ('p2',  'numeric',   '100',  true,  1000,       0,         2147483647, 7),
  ('p3',  'numeric',   '1000', true,  10000,      0,         2147483647, 7),
  ('tt',  'trending',  '1000', true,  NULL,       25346436,  100000,     NULL),
  ('tut', 'trending',  '1000', true,  NULL,       25346436,  100000,     NULL),
  ('tp',  'trending',  '100',  true,  NULL,       25346436,  10000,      NULL),
  ('c',   'aggregate', '1',    true,  2147483647, 0,         2147483647, 7),
  ('t',   'aggregate', '100',  true,  2147483647, 0,         2147483647, 7),
  ('cp',  'aggregate', '10',   true,  2147483647, 1979515,   2147483647, 7),
  ('cs',  'aggregate', '1000', false, 2147483647, 95017582,  50000,      7),
  ('w',   'aggregate', '1000', true,  2147483647, 98950182,  50000,      7),
  ('b',   'aggregate', '1',    true,  2147483647, 220157041, 25000,      7),
  ('s',   'aggregate', '5',    true,  2147483647, 220157041, 25000,      7),
  ('m',   'boolean',   '1',    true,  NULL,       25346436,  25000,      7),
  ('r',   'aggregate', '1',    true,  5,          25346436,  25000,      7),
  ('rv',  'aggregate', '1',    true,  5000,       25346436,  25000,      7),
  ('rd',  'boolean',   '1',    true,  NULL,       25346436,  25000,      7)
ON CONFLICT (id) DO UPDATE SET
  type = excluded.type, amount = excluded.amount, active = excluded.active, step_count = excluded.step_count,
  starting_block = excluded.starting_block, weekly_pool = excluded.weekly_pool,
  cooldown_days = excluded.cooldown_days;
INSERT INTO challenges (id, type, amount, active, step_count, starting_block, weekly_pool, cooldown_days)
VALUES ('dvl', 'aggregate', '1000', true, NULL, 0, 2147483647, 0)
ON CONFLICT (id) DO NOTHING;

CREATE TABLE IF NOT EXISTS user_challenges (
  challenge_id varchar NOT NULL REFERENCES challenges (id),
  user_id integer NOT NULL,
  specifier varchar NOT NULL,
  is_complete boolean NOT NULL,
  current_step_count integer,
  completed_blocknumber integer,
  amount integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamp,
  PRIMARY KEY (challenge_id, specifier)
);
CREATE INDEX IF NOT EXISTS user_challenges_challenge_idx ON user_challenges (challenge_id);
CREATE INDEX IF NOT EXISTS user_challenges_user_id ON user_challenges (user_id);

-- Versioned: one is_current row per user (enforced here; production only assumes it).
CREATE TABLE IF NOT EXISTS user_events (
  id serial PRIMARY KEY,
  blockhash varchar,
  blocknumber integer,
  is_current boolean NOT NULL,
  user_id integer NOT NULL,
  referrer integer,
  is_mobile_user boolean NOT NULL DEFAULT false,
  slot integer
);
CREATE INDEX IF NOT EXISTS user_events_user_id_idx ON user_events (user_id);
-- The m/r/rv/rd dirty scans are range reads on this (IDX 0209; #877 was a 2.3M-row seq scan per tick).
CREATE INDEX IF NOT EXISTS ix_user_events_blocknumber ON user_events (blocknumber);
CREATE UNIQUE INDEX IF NOT EXISTS user_events_current_uniq ON user_events (user_id) WHERE is_current;
-- r/rv also key their dirty set on the referrer's users row; this finds the referees of a changed referrer.
CREATE INDEX IF NOT EXISTS ix_user_events_referrer ON user_events (referrer)
  WHERE is_current AND referrer IS NOT NULL;

CREATE TABLE IF NOT EXISTS challenge_profile_completion (
  user_id integer PRIMARY KEY,
  profile_description boolean NOT NULL,
  profile_name boolean NOT NULL,
  profile_picture boolean NOT NULL,
  profile_cover_photo boolean NOT NULL,
  follows boolean NOT NULL,
  favorites boolean NOT NULL,
  reposts boolean NOT NULL
);

CREATE TABLE IF NOT EXISTS challenge_listen_streak (
  user_id integer PRIMARY KEY,
  last_listen_date timestamp,
  listen_streak integer NOT NULL
);

CREATE TABLE IF NOT EXISTS trending_results (
  user_id integer NOT NULL,
  id varchar,
  rank integer NOT NULL,
  type varchar NOT NULL,
  version varchar NOT NULL,
  week date NOT NULL,
  PRIMARY KEY (rank, type, version, week)
);

CREATE TABLE IF NOT EXISTS indexing_checkpoints (
  tablename varchar PRIMARY KEY,
  last_checkpoint integer NOT NULL,
  signature varchar
);

-- Maintained by on_user_challenge (IDX 0175); also created here so this migration stands alone.
CREATE TABLE IF NOT EXISTS user_score_features (
  user_id integer PRIMARY KEY,
  challenge_count integer DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS reward_manager_txs (
  signature varchar PRIMARY KEY,
  slot integer NOT NULL,
  created_at timestamp NOT NULL
);
CREATE INDEX IF NOT EXISTS reward_manager_txs_slot_idx ON reward_manager_txs (slot);

-- Only `code` is read (by the disbursement triggers); the full shape was not in the sources (?).
CREATE TABLE IF NOT EXISTS reward_codes (
  code varchar PRIMARY KEY
);

CREATE TABLE IF NOT EXISTS challenge_disbursements (
  challenge_id varchar NOT NULL,
  user_id integer NOT NULL,
  specifier varchar NOT NULL,
  signature varchar NOT NULL,
  slot integer NOT NULL,
  amount varchar NOT NULL,
  created_at timestamptz DEFAULT now(),
  PRIMARY KEY (challenge_id, specifier)
);
CREATE INDEX IF NOT EXISTS challenge_disbursements_user_id_idx ON challenge_disbursements (user_id);
CREATE INDEX IF NOT EXISTS challenge_disbursements_created_at_idx ON challenge_disbursements (created_at);
CREATE INDEX IF NOT EXISTS challenge_disbursements_slot_idx ON challenge_disbursements (slot);

CREATE TABLE IF NOT EXISTS sol_reward_disbursements (
  signature varchar NOT NULL,
  instruction_index integer NOT NULL,
  amount bigint NOT NULL,
  slot bigint NOT NULL,
  user_bank varchar NOT NULL,
  challenge_id varchar NOT NULL,
  specifier varchar NOT NULL,
  recipient_eth_address text,
  created_at timestamp DEFAULT now(),
  PRIMARY KEY (signature, instruction_index)
);
CREATE INDEX IF NOT EXISTS sol_reward_disbursements_challenge_idx ON sol_reward_disbursements (challenge_id, specifier);
CREATE INDEX IF NOT EXISTS sol_reward_disbursements_user_bank_idx ON sol_reward_disbursements (user_bank);
CREATE INDEX IF NOT EXISTS sol_reward_disbursements_recipient_eth_address_idx
  ON sol_reward_disbursements (recipient_eth_address);
CREATE INDEX IF NOT EXISTS sol_reward_disbursements_created_at_idx ON sol_reward_disbursements (created_at);

-- The sol trigger resolves the recipient by lower(wallet) (0204 stores it lowercase; users.wallet is
-- EIP-55 mixed case, so production's plain equality misses): this makes that lookup an index probe.
CREATE INDEX IF NOT EXISTS ix_users_wallet_lower ON users (lower(wallet)) WHERE is_current;
-- cp resolves pinned comments per commenter.
CREATE INDEX IF NOT EXISTS ix_tracks_pinned_comment ON tracks (pinned_comment_id)
  WHERE is_current AND pinned_comment_id IS NOT NULL;

-- notification is owned by 0003; these are no-ops there and make this file self-sufficient otherwise.
CREATE TABLE IF NOT EXISTS notification (
  id serial PRIMARY KEY,
  specifier varchar NOT NULL,
  group_id varchar NOT NULL,
  type varchar NOT NULL,
  slot integer,
  blocknumber integer,
  "timestamp" timestamp NOT NULL,
  data jsonb,
  user_ids integer[],
  type_v2 varchar
);
CREATE UNIQUE INDEX IF NOT EXISTS uq_notification ON notification (group_id, specifier);
CREATE INDEX IF NOT EXISTS ix_notification ON notification USING gin (user_ids) WITH (fastupdate = off);
CREATE INDEX IF NOT EXISTS ix_notification_cooldown_user_ids ON notification USING gin (user_ids)
  WITH (fastupdate = off) WHERE type = 'reward_in_cooldown';
-- The disbursement debounce probes challenge_reward per user; without this they walk the user's whole
-- posting list in the full GIN and filter on type.
CREATE INDEX IF NOT EXISTS ix_notification_challenge_reward_user_ids ON notification USING gin (user_ids)
  WITH (fastupdate = off) WHERE type = 'challenge_reward';

-- Block time of an em_block, for completed_at; NULL when the block was not indexed by us.
CREATE OR REPLACE FUNCTION metronome_em_block_time(bn integer) RETURNS timestamp
LANGUAGE sql STABLE AS $$
  SELECT eb.block_time
  FROM core_indexed_blocks cib JOIN etl_blocks eb ON eb.block_height = cib.height
  WHERE cib.em_block = bn
  LIMIT 1
$$;

-- §3.1 on every insert/update of a complete user_challenges row. Processors only write rows that changed,
-- so a re-derivation no longer re-fires this; the legacy writer's no-op upserts still do, harmlessly.
CREATE OR REPLACE FUNCTION handle_on_user_challenge() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  cd integer;
  streak integer;
  reward jsonb;
  cnt integer;
BEGIN
  IF new.is_complete IS NOT TRUE THEN
    RETURN new;
  END IF;
  SELECT cooldown_days INTO cd FROM challenges WHERE id = new.challenge_id;

  IF cd IS NULL OR cd = 0 THEN
    IF new.challenge_id NOT IN ('tt', 'tp', 'tut', 'dvl') THEN
      INSERT INTO notification (blocknumber, user_ids, "timestamp", type, group_id, specifier, data)
      VALUES (new.completed_blocknumber, ARRAY[new.user_id], new.completed_at, 'claimable_reward',
              'claimable_reward:' || new.user_id || ':challenge:' || new.challenge_id || ':specifier:' || new.specifier,
              new.specifier,
              jsonb_build_object('specifier', new.specifier, 'challenge_id', new.challenge_id, 'amount', new.amount))
      ON CONFLICT DO NOTHING;
    END IF;
    -- amount × 10^8 as text: AUDIO has 8 decimals on Solana.
    reward := jsonb_build_object('specifier', new.specifier, 'challenge_id', new.challenge_id,
                                 'amount', new.amount::text || '00000000');
    IF new.challenge_id = 'e' THEN
      SELECT listen_streak INTO streak FROM challenge_listen_streak WHERE user_id = new.user_id;
      reward := reward || jsonb_build_object('listen_streak', coalesce(streak, 0));
    END IF;
    INSERT INTO notification (blocknumber, user_ids, "timestamp", type, group_id, specifier, data)
    VALUES (new.completed_blocknumber, ARRAY[new.user_id], new.completed_at, 'challenge_reward',
            'challenge_reward:' || new.user_id || ':challenge:' || new.challenge_id || ':specifier:' || new.specifier,
            new.user_id::text, reward)
    ON CONFLICT DO NOTHING;
  ELSIF new.challenge_id NOT IN ('b', 's') THEN
    -- Per user across all challenges, no upper bound. `@>` so ix_notification_cooldown_user_ids serves it.
    IF NOT EXISTS (
      SELECT 1 FROM notification
      WHERE type = 'reward_in_cooldown'
        AND user_ids @> ARRAY[new.user_id]
        AND "timestamp" >= new.completed_at - interval '1 hour'
    ) THEN
      INSERT INTO notification (blocknumber, user_ids, "timestamp", type, group_id, specifier, data)
      VALUES (new.completed_blocknumber, ARRAY[new.user_id], new.completed_at, 'reward_in_cooldown',
              'reward_in_cooldown:' || new.user_id || ':challenge:' || new.challenge_id || ':specifier:' || new.specifier,
              new.specifier,
              jsonb_build_object('specifier', new.specifier, 'challenge_id', new.challenge_id, 'amount', new.amount))
      ON CONFLICT DO NOTHING;
    END IF;
  END IF;

  -- "Fast" challenges: completed within 3 minutes of the user's creation. Joined to the current users row
  -- only (production joins every version, which multiplies the count). Stamped with block time, not now().
  SELECT count(*) INTO cnt
  FROM user_challenges uc JOIN users u ON u.user_id = uc.user_id AND u.is_current
  WHERE uc.user_id = new.user_id AND uc.is_complete AND uc.challenge_id NOT IN ('m', 'b')
    AND uc.completed_at <= u.created_at + interval '3 minutes';
  INSERT INTO user_score_features (user_id, challenge_count, updated_at)
  VALUES (new.user_id, cnt, new.completed_at AT TIME ZONE 'UTC')
  ON CONFLICT (user_id) DO UPDATE SET challenge_count = excluded.challenge_count, updated_at = excluded.updated_at
  WHERE user_score_features.challenge_count IS DISTINCT FROM excluded.challenge_count;
  RETURN new;
END;
$$;

CREATE OR REPLACE TRIGGER on_user_challenge
  AFTER INSERT OR UPDATE ON user_challenges
  FOR EACH ROW EXECUTE FUNCTION handle_on_user_challenge();

-- §3.2: the legacy rewards-manager table. Errors are swallowed like production (a warning, no row).
CREATE OR REPLACE FUNCTION handle_challenge_disbursement() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  at timestamp := new.created_at AT TIME ZONE 'UTC';
BEGIN
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM reward_manager_txs WHERE signature = new.signature) THEN
      RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM reward_codes WHERE code = new.challenge_id) THEN
      RETURN NULL;
    END IF;
    IF EXISTS (
      SELECT 1 FROM notification
      WHERE type = 'challenge_reward'
        AND user_ids @> ARRAY[new.user_id]
        AND "timestamp" >= at - interval '1 hour'
    ) THEN
      RETURN NULL;
    END IF;
    INSERT INTO notification (slot, user_ids, "timestamp", type, group_id, specifier, data)
    VALUES (new.slot, ARRAY[new.user_id], at, 'challenge_reward',
            'challenge_reward:' || new.user_id || ':challenge:' || new.challenge_id || ':specifier:' || new.specifier,
            new.user_id::text,
            jsonb_build_object('specifier', new.specifier, 'challenge_id', new.challenge_id, 'amount', new.amount))
    ON CONFLICT DO NOTHING;
  EXCEPTION WHEN others THEN
    RAISE WARNING 'handle_challenge_disbursement: %', SQLERRM;
  END;
  RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER on_challenge_disbursement
  AFTER INSERT ON challenge_disbursements
  FOR EACH ROW EXECUTE FUNCTION handle_challenge_disbursement();

-- §3.3: mirrors §3.2 so both tables can dual-fire during cutover; the recipient is matched on lowercase.
CREATE OR REPLACE FUNCTION handle_sol_reward_disbursement() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  uid integer;
BEGIN
  BEGIN
    SELECT user_id INTO uid FROM users
    WHERE lower(wallet) = lower(new.recipient_eth_address) AND is_current
    LIMIT 1;
    IF uid IS NULL THEN
      RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM reward_codes WHERE code = new.challenge_id) THEN
      RETURN NULL;
    END IF;
    IF NOT EXISTS (
      SELECT 1 FROM notification
      WHERE type = 'challenge_reward'
        AND user_ids @> ARRAY[uid]
        AND "timestamp" >= new.created_at - interval '1 hour'
    ) THEN
      INSERT INTO notification (slot, user_ids, "timestamp", type, group_id, specifier, data)
      VALUES (new.slot, ARRAY[uid], new.created_at, 'challenge_reward',
              'challenge_reward:' || uid || ':challenge:' || new.challenge_id || ':specifier:' || new.specifier,
              uid::text,
              jsonb_build_object('specifier', new.specifier, 'challenge_id', new.challenge_id,
                                 'amount', new.amount::text))
      ON CONFLICT DO NOTHING;
    END IF;
    PERFORM pg_notify('challenge_disbursed', json_build_object(
      'user_id', uid, 'challenge_id', new.challenge_id, 'specifier', new.specifier,
      'amount', new.amount, 'signature', new.signature, 'slot', new.slot)::text);
  EXCEPTION WHEN others THEN
    RAISE WARNING 'handle_sol_reward_disbursement: %', SQLERRM;
  END;
  RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER on_sol_reward_disbursement
  AFTER INSERT ON sol_reward_disbursements
  FOR EACH ROW EXECUTE FUNCTION handle_sol_reward_disbursement();
