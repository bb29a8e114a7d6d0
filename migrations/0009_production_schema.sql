-- Production's schema is the contract (issue 15; docs/schema.md lists every table, column and difference).
-- For every table our migrations create that production also has, this makes the shape production's:
-- its columns (added when missing), types (enums as enums), nullability, primary keys and unique
-- constraints. Our own extra columns stay, nullable or with a default, so production's writers never
-- have to know them.
--
-- Runs on (a) a database 0001–0008 just created, (b) a production clone, where almost every statement
-- finds production's shape and does nothing, (c) a second time (a no-op), (d) an older production dump
-- where a table or column may be missing: nothing here assumes a column exists. Every change is guarded
-- by a catalog check, so a table that already has production's shape is not even locked.
--
-- One transaction: a change that cannot be made (existing rows that violate production's shape) stops
-- the file with the server's message and leaves nothing half-applied.

-- Fail fast instead of queueing behind a long reader (and making every writer queue behind us).
SET LOCAL lock_timeout = '30s';

-- Helpers live in pg_temp: they vanish with the session and leave nothing in production's schema.
CREATE OR REPLACE FUNCTION pg_temp.col_type(t text, c text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
  WHERE a.attrelid = to_regclass(t) AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped
$$;

CREATE OR REPLACE FUNCTION pg_temp.add_columns(t text, specs text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  s text;
  c text;
BEGIN
  FOREACH s IN ARRAY specs LOOP
    c := split_part(s, ' ', 1);
    IF pg_temp.col_type(t, c) IS NULL THEN
      EXECUTE format('ALTER TABLE %I ADD COLUMN %I %s', t, c, substr(s, length(c) + 2));
    END IF;
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION pg_temp.set_type(t text, c text, typ text, using_expr text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF pg_temp.col_type(t, c) IS DISTINCT FROM typ THEN
    EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE %s USING %s', t, c, typ,
                   coalesce(using_expr, format('%I::text::%s', c, typ)));
  END IF;
END $$;

CREATE OR REPLACE FUNCTION pg_temp.set_not_null(t text, c text, want boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  is_nn boolean;
  nulls boolean;
BEGIN
  SELECT a.attnotnull INTO is_nn FROM pg_attribute a
  WHERE a.attrelid = to_regclass(t) AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped;
  IF is_nn IS NULL OR is_nn = want THEN
    RETURN;
  END IF;
  IF NOT want THEN
    EXECUTE format('ALTER TABLE %I ALTER COLUMN %I DROP NOT NULL', t, c);
    RETURN;
  END IF;
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I IS NULL)', t, c) INTO nulls;
  IF nulls THEN
    RAISE EXCEPTION 'cannot make %.% NOT NULL as production has it: rows hold NULL there', t, c
      USING DETAIL = format('SELECT count(*) FROM %I WHERE %I IS NULL counts them', t, c),
            HINT = 'fill those rows (or delete them) and run metronome migrate again';
  END IF;
  EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET NOT NULL', t, c);
END $$;

-- Production's default where we have none (production's writers may rely on it); ours stays otherwise.
CREATE OR REPLACE FUNCTION pg_temp.set_default(t text, c text, expr text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF pg_temp.col_type(t, c) IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
    WHERE d.adrelid = to_regclass(t) AND a.attname = c) THEN
    EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET DEFAULT %s', t, c, expr);
  END IF;
END $$;

CREATE OR REPLACE FUNCTION pg_temp.set_primary_key(t text, cols text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  cur_name text;
  cur_def text;
BEGIN
  SELECT conname, pg_get_constraintdef(oid) INTO cur_name, cur_def FROM pg_constraint
  WHERE conrelid = to_regclass(t) AND contype = 'p';
  IF cur_def IS NOT DISTINCT FROM format('PRIMARY KEY (%s)', cols) THEN
    RETURN;
  END IF;
  IF cur_name IS NOT NULL THEN
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', t, cur_name);
  END IF;
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (%s)', t, t || '_pkey', cols);
END $$;

CREATE OR REPLACE FUNCTION pg_temp.add_constraint(t text, name text, def text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(t) AND conname = name) THEN
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', t, name, def);
  END IF;
END $$;

-- A release date string that is not a timestamp becomes NULL rather than failing the conversion.
CREATE OR REPLACE FUNCTION pg_temp.to_timestamp_or_null(v text) RETURNS timestamp LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN v::timestamp;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;

-- Production's enums. sharetype exists since 0004 (with an 'album' label production does not have).
DO $$ BEGIN CREATE TYPE event_type AS ENUM ('remix_contest', 'live_event', 'new_release'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE TYPE event_entity_type AS ENUM ('track', 'collection', 'user'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE TYPE wallet_chain AS ENUM ('eth', 'sol'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE TYPE profile_type_enum AS ENUM ('label'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
  CREATE TYPE parental_warning_type AS ENUM ('explicit', 'explicit_content_edited', 'not_explicit', 'no_advice_available');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- sharetype as production has it ('track', 'playlist'): an album share is stored as a playlist share.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
             WHERE t.typname = 'sharetype' AND t.typnamespace = current_schema()::regnamespace
               AND e.enumlabel = 'album') THEN
    ALTER TYPE sharetype RENAME TO sharetype_metronome_0009;
    CREATE TYPE sharetype AS ENUM ('track', 'playlist');
    ALTER TABLE shares ALTER COLUMN share_type TYPE sharetype
      USING (CASE share_type::text WHEN 'album' THEN 'playlist' ELSE share_type::text END)::sharetype;
    DROP TYPE sharetype_metronome_0009;
  END IF;
END $$;

-- Tables production's ETL writes that 0001–0008 do not create (our handlers do not write them yet; they
-- exist so production's readers and the handlers that will write them find production's shape).
DO $$ BEGIN CREATE TYPE usdc_purchase_access_type AS ENUM ('stream', 'download'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE TABLE IF NOT EXISTS track_price_history (
  track_id integer NOT NULL,
  splits jsonb NOT NULL,
  total_price_cents bigint NOT NULL,
  blocknumber integer NOT NULL,
  block_timestamp timestamp NOT NULL,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  access usdc_purchase_access_type NOT NULL DEFAULT 'stream',
  CONSTRAINT track_price_history_pkey PRIMARY KEY (track_id, block_timestamp)
);
CREATE TABLE IF NOT EXISTS album_price_history (
  playlist_id integer NOT NULL,
  splits jsonb NOT NULL,
  total_price_cents bigint NOT NULL,
  blocknumber integer NOT NULL,
  block_timestamp timestamp NOT NULL,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT album_price_history_pkey PRIMARY KEY (playlist_id, block_timestamp)
);

-- 1. Columns: every column of production's table and of ours, added where missing (a missing NOT NULL
-- column without a default is added nullable here and tightened below, after it is filled).
SELECT pg_temp.add_columns('aggregate_monthly_plays', ARRAY[
  'count integer'
]);
SELECT pg_temp.add_columns('aggregate_playlist', ARRAY[
  'is_album boolean DEFAULT false',
  'repost_count integer DEFAULT 0',
  'save_count integer DEFAULT 0',
  'share_count integer DEFAULT 0'
]);
SELECT pg_temp.add_columns('aggregate_plays', ARRAY[
  'count bigint'
]);
SELECT pg_temp.add_columns('aggregate_track', ARRAY[
  'repost_count integer DEFAULT 0 NOT NULL',
  'save_count integer DEFAULT 0 NOT NULL',
  'comment_count integer DEFAULT 0',
  'share_count integer DEFAULT 0'
]);
SELECT pg_temp.add_columns('aggregate_user', ARRAY[
  'track_count bigint DEFAULT 0',
  'playlist_count bigint DEFAULT 0',
  'album_count bigint DEFAULT 0',
  'follower_count bigint DEFAULT 0',
  'following_count bigint DEFAULT 0',
  'repost_count bigint DEFAULT 0',
  'track_save_count bigint DEFAULT 0',
  'supporter_count integer DEFAULT 0 NOT NULL',
  'supporting_count integer DEFAULT 0 NOT NULL',
  'dominant_genre character varying',
  'dominant_genre_count integer DEFAULT 0',
  'score integer DEFAULT 0',
  'total_track_count integer DEFAULT 0',
  'track_share_count integer DEFAULT 0'
]);
SELECT pg_temp.add_columns('associated_wallets', ARRAY[
  'user_id integer',
  'wallet character varying',
  'blockhash character varying',
  'blocknumber integer',
  'is_current boolean',
  'is_delete boolean DEFAULT false NOT NULL',
  'chain wallet_chain',
  'created_at timestamp without time zone',
  'updated_at timestamp without time zone'
]);
-- Not blocks.is_current: production dropped it (API migration 0215) and nothing of ours writes it.
SELECT pg_temp.add_columns('blocks', ARRAY[
  'parenthash character varying',
  'number integer'
]);
SELECT pg_temp.add_columns('challenge_disbursements', ARRAY[
  'user_id integer',
  'signature character varying',
  'slot integer',
  'amount character varying',
  'created_at timestamp with time zone DEFAULT now()'
]);
SELECT pg_temp.add_columns('challenge_listen_streak', ARRAY[
  'last_listen_date timestamp without time zone',
  'listen_streak integer'
]);
SELECT pg_temp.add_columns('challenge_profile_completion', ARRAY[
  'profile_description boolean',
  'profile_name boolean',
  'profile_picture boolean',
  'profile_cover_photo boolean',
  'follows boolean',
  'favorites boolean',
  'reposts boolean'
]);
SELECT pg_temp.add_columns('challenges', ARRAY[
  'type challengetype',
  'amount character varying',
  'active boolean',
  'step_count integer',
  'starting_block integer',
  'weekly_pool integer',
  'cooldown_days integer'
]);
SELECT pg_temp.add_columns('comment_mentions', ARRAY[
  'created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'is_delete boolean DEFAULT false',
  'txhash text',
  'blockhash text',
  'blocknumber integer'
]);
SELECT pg_temp.add_columns('comment_notification_settings', ARRAY[
  'is_muted boolean DEFAULT false',
  'created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL'
]);
SELECT pg_temp.add_columns('comment_reactions', ARRAY[
  'created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'is_delete boolean DEFAULT false',
  'txhash text',
  'blockhash text',
  'blocknumber integer'
]);
SELECT pg_temp.add_columns('comment_reports', ARRAY[
  'created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'is_delete boolean DEFAULT false',
  'txhash text',
  'blockhash text',
  'blocknumber integer'
]);
SELECT pg_temp.add_columns('comments', ARRAY[
  'text text',
  'user_id integer',
  'entity_id integer',
  'entity_type text DEFAULT ''Track''::text NOT NULL',
  'track_timestamp_s bigint',
  'created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'is_delete boolean DEFAULT false',
  'is_visible boolean DEFAULT true',
  'is_edited boolean DEFAULT false',
  'is_members_only boolean DEFAULT false NOT NULL',
  'txhash text',
  'blockhash text',
  'blocknumber integer',
  'video_url text'
]);
SELECT pg_temp.add_columns('core_indexed_blocks', ARRAY[
  'blockhash character varying',
  'parenthash character varying',
  'chain_id text',
  'height integer',
  'plays_slot integer DEFAULT 0',
  'em_block integer'
]);
SELECT pg_temp.add_columns('dashboard_wallet_users', ARRAY[
  'user_id integer',
  'is_delete boolean DEFAULT false NOT NULL',
  'updated_at timestamp without time zone',
  'created_at timestamp without time zone',
  'blockhash character varying',
  'blocknumber integer',
  'txhash character varying'
]);
SELECT pg_temp.add_columns('developer_apps', ARRAY[
  'blockhash character varying',
  'blocknumber integer',
  'user_id integer',
  'name character varying',
  'is_personal_access boolean DEFAULT false NOT NULL',
  'is_delete boolean DEFAULT false NOT NULL',
  'created_at timestamp without time zone',
  'is_current boolean',
  'updated_at timestamp without time zone',
  'description character varying(255)',
  'image_url character varying'
]);
SELECT pg_temp.add_columns('email_access', ARRAY[
  'email_owner_user_id integer',
  'receiving_user_id integer',
  'grantor_user_id integer',
  'encrypted_key text',
  'created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP',
  'updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP',
  'is_initial boolean DEFAULT false NOT NULL'
]);
SELECT pg_temp.add_columns('encrypted_emails', ARRAY[
  'email_owner_user_id integer',
  'encrypted_email text',
  'created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP',
  'updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP'
]);
SELECT pg_temp.add_columns('events', ARRAY[
  'event_type event_type',
  'user_id integer',
  'entity_type event_entity_type',
  'entity_id integer',
  'end_date timestamp without time zone',
  'is_deleted boolean DEFAULT false',
  'event_data jsonb',
  'created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'txhash text',
  'blockhash text',
  'blocknumber integer'
]);
SELECT pg_temp.add_columns('follows', ARRAY[
  'blockhash character varying',
  'blocknumber integer',
  'is_current boolean',
  'is_delete boolean',
  'created_at timestamp without time zone',
  'slot integer'
]);
SELECT pg_temp.add_columns('grants', ARRAY[
  'blockhash character varying',
  'blocknumber integer',
  'is_revoked boolean DEFAULT false NOT NULL',
  'is_current boolean',
  'is_approved boolean',
  'updated_at timestamp without time zone',
  'created_at timestamp without time zone'
]);
SELECT pg_temp.add_columns('indexing_checkpoints', ARRAY[
  'last_checkpoint integer',
  'signature character varying'
]);
SELECT pg_temp.add_columns('milestones', ARRAY[
  'blocknumber integer',
  'slot integer',
  'timestamp timestamp without time zone'
]);
SELECT pg_temp.add_columns('muted_users', ARRAY[
  'created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'is_delete boolean DEFAULT false',
  'txhash text DEFAULT ''''::character varying NOT NULL',
  'blockhash text',
  'blocknumber integer'
]);
SELECT pg_temp.add_columns('notification', ARRAY[
  'specifier character varying',
  'group_id character varying',
  'type character varying',
  'slot integer',
  'blocknumber integer',
  'timestamp timestamp without time zone',
  'data jsonb',
  'user_ids integer[]',
  'type_v2 character varying'
]);
SELECT pg_temp.add_columns('notification_seen', ARRAY[
  'blocknumber integer',
  'blockhash character varying',
  'txhash character varying'
]);
SELECT pg_temp.add_columns('oauth_redirect_uris', ARRAY[
  'id serial',
  'client_id character varying(255)',
  'redirect_uri text',
  'created_at timestamp with time zone DEFAULT now() NOT NULL'
]);
SELECT pg_temp.add_columns('playlist_routes', ARRAY[
  'title_slug character varying',
  'collision_id integer',
  'playlist_id integer',
  'is_current boolean',
  'blockhash character varying',
  'blocknumber integer',
  'txhash character varying'
]);
SELECT pg_temp.add_columns('playlist_seen', ARRAY[
  'is_current boolean',
  'blocknumber integer',
  'blockhash character varying',
  'txhash character varying'
]);
SELECT pg_temp.add_columns('playlist_tracks', ARRAY[
  'is_removed boolean DEFAULT false NOT NULL',
  'created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL'
]);
SELECT pg_temp.add_columns('playlists', ARRAY[
  'blockhash character varying',
  'blocknumber integer',
  'playlist_owner_id integer',
  'is_album boolean DEFAULT false NOT NULL',
  'is_private boolean DEFAULT false NOT NULL',
  'playlist_name character varying',
  'playlist_contents jsonb DEFAULT ''{"track_ids": []}''::jsonb NOT NULL',
  'playlist_image_multihash character varying',
  'is_current boolean',
  'is_delete boolean DEFAULT false NOT NULL',
  'description character varying',
  'created_at timestamp without time zone',
  'upc character varying',
  'updated_at timestamp without time zone',
  'playlist_image_sizes_multihash character varying',
  'last_added_to timestamp without time zone',
  'slot integer',
  'metadata_multihash character varying',
  'is_image_autogenerated boolean DEFAULT false NOT NULL',
  'is_stream_gated boolean DEFAULT false NOT NULL',
  'stream_conditions jsonb',
  'ddex_app character varying',
  'ddex_release_ids jsonb',
  'artists jsonb',
  'copyright_line jsonb',
  'producer_copyright_line jsonb',
  'parental_warning_type character varying',
  'is_scheduled_release boolean DEFAULT false NOT NULL',
  'release_date timestamp without time zone'
]);
SELECT pg_temp.add_columns('plays', ARRAY[
  'user_id integer',
  'source character varying',
  'play_item_id integer',
  'created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'slot integer',
  'signature character varying',
  'city character varying',
  'region character varying',
  'country character varying'
]);
SELECT pg_temp.add_columns('reactions', ARRAY[
  'reaction_value integer',
  'sender_wallet character varying',
  'reaction_type character varying',
  'reacted_to character varying',
  'timestamp timestamp without time zone',
  'blocknumber integer'
]);
SELECT pg_temp.add_columns('reposts', ARRAY[
  'blockhash character varying',
  'blocknumber integer',
  'is_current boolean',
  'is_delete boolean',
  'created_at timestamp without time zone',
  'slot integer',
  'is_repost_of_repost boolean DEFAULT false NOT NULL'
]);
SELECT pg_temp.add_columns('reward_codes', ARRAY[
  'mint text',
  'reward_address text',
  'amount bigint',
  'created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'remaining_uses integer DEFAULT 1 NOT NULL',
  'signature text'
]);
SELECT pg_temp.add_columns('reward_manager_txs', ARRAY[
  'slot integer',
  'created_at timestamp without time zone'
]);
SELECT pg_temp.add_columns('saves', ARRAY[
  'blockhash character varying',
  'blocknumber integer',
  'is_current boolean',
  'is_delete boolean',
  'created_at timestamp without time zone',
  'slot integer',
  'is_save_of_repost boolean DEFAULT false NOT NULL'
]);
SELECT pg_temp.add_columns('shares', ARRAY[
  'blockhash character varying',
  'blocknumber integer',
  'created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'slot integer'
]);
SELECT pg_temp.add_columns('sol_reward_disbursements', ARRAY[
  'amount bigint',
  'slot bigint',
  'user_bank character varying',
  'challenge_id character varying',
  'specifier character varying',
  'recipient_eth_address text',
  'created_at timestamp without time zone DEFAULT now()'
]);
SELECT pg_temp.add_columns('subscriptions', ARRAY[
  'blockhash character varying',
  'blocknumber integer',
  'is_current boolean',
  'is_delete boolean',
  'created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'entity_type text DEFAULT ''User''::text NOT NULL',
  'entity_id integer'
]);
SELECT pg_temp.add_columns('track_collaborators', ARRAY[
  'invited_by integer',
  'status text DEFAULT ''pending''::text NOT NULL',
  'created_at timestamp without time zone',
  'updated_at timestamp without time zone',
  'txhash character varying DEFAULT ''''::character varying NOT NULL',
  'blocknumber integer'
]);
SELECT pg_temp.add_columns('track_downloads', ARRAY[
  'blocknumber integer',
  'user_id integer',
  'created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'city character varying',
  'region character varying',
  'country character varying'
]);
SELECT pg_temp.add_columns('track_routes', ARRAY[
  'title_slug character varying',
  'collision_id integer',
  'track_id integer',
  'is_current boolean',
  'blockhash character varying',
  'blocknumber integer',
  'txhash character varying'
]);
SELECT pg_temp.add_columns('tracks', ARRAY[
  'blockhash character varying',
  'is_current boolean',
  'is_delete boolean DEFAULT false NOT NULL',
  'owner_id integer',
  'title text',
  'cover_art character varying',
  'tags character varying',
  'genre character varying',
  'mood character varying',
  'credits_splits character varying',
  'create_date character varying',
  'file_type character varying',
  'metadata_multihash character varying',
  'blocknumber integer',
  'created_at timestamp without time zone',
  'description character varying',
  'isrc character varying',
  'iswc character varying',
  'license character varying',
  'updated_at timestamp without time zone',
  'cover_art_sizes character varying',
  'is_unlisted boolean DEFAULT false NOT NULL',
  'field_visibility jsonb',
  'route_id character varying',
  'stem_of jsonb',
  'remix_of jsonb',
  'slot integer',
  'is_available boolean DEFAULT true NOT NULL',
  'is_stream_gated boolean DEFAULT false NOT NULL',
  'stream_conditions jsonb',
  'track_cid character varying',
  'is_playlist_upload boolean DEFAULT false NOT NULL',
  'duration integer DEFAULT 0',
  'ai_attribution_user_id integer',
  'preview_cid character varying',
  'audio_upload_id character varying',
  'preview_start_seconds double precision',
  'release_date timestamp without time zone',
  'track_segments jsonb DEFAULT ''[]''::jsonb NOT NULL',
  'is_scheduled_release boolean DEFAULT false NOT NULL',
  'is_downloadable boolean DEFAULT false NOT NULL',
  'is_download_gated boolean DEFAULT false NOT NULL',
  'download_conditions jsonb',
  'is_original_available boolean DEFAULT false NOT NULL',
  'orig_file_cid character varying',
  'orig_filename character varying',
  'playlists_containing_track integer[] DEFAULT ''{}''::integer[] NOT NULL',
  'placement_hosts text',
  'ddex_app character varying',
  'ddex_release_ids jsonb',
  'artists jsonb',
  'resource_contributors jsonb',
  'indirect_resource_contributors jsonb',
  'rights_controller jsonb',
  'copyright_line jsonb',
  'producer_copyright_line jsonb',
  'parental_warning_type character varying',
  'playlists_previously_containing_track jsonb DEFAULT jsonb_build_object() NOT NULL',
  'allowed_api_keys text[]',
  'bpm double precision',
  'musical_key character varying',
  'audio_analysis_error_count integer DEFAULT 0 NOT NULL',
  'is_custom_bpm boolean DEFAULT false',
  'is_custom_musical_key boolean DEFAULT false',
  'comments_disabled boolean DEFAULT false',
  'pinned_comment_id integer',
  'cover_original_song_title character varying',
  'cover_original_artist character varying',
  'is_owned_by_user boolean DEFAULT false NOT NULL',
  'no_ai_use boolean DEFAULT false',
  'parental_warning parental_warning_type',
  'territory_codes text[]',
  'access_authorities text[]'
]);
SELECT pg_temp.add_columns('trending_results', ARRAY[
  'user_id integer',
  'id character varying'
]);
SELECT pg_temp.add_columns('user_challenges', ARRAY[
  'user_id integer',
  'is_complete boolean',
  'current_step_count integer',
  'completed_blocknumber integer',
  'amount integer DEFAULT 0 NOT NULL',
  'created_at timestamp with time zone DEFAULT now() NOT NULL',
  'completed_at timestamp without time zone'
]);
SELECT pg_temp.add_columns('user_distinct_play_hours', ARRAY[
  'hours_with_play integer DEFAULT 0 NOT NULL',
  'updated_at timestamp with time zone DEFAULT now() NOT NULL'
]);
SELECT pg_temp.add_columns('user_distinct_play_tracks', ARRAY[
  'track_count integer DEFAULT 0 NOT NULL',
  'updated_at timestamp with time zone DEFAULT now() NOT NULL'
]);
SELECT pg_temp.add_columns('user_events', ARRAY[
  'blockhash character varying',
  'blocknumber integer',
  'is_current boolean',
  'user_id integer',
  'referrer integer',
  'is_mobile_user boolean DEFAULT false NOT NULL',
  'slot integer'
]);
SELECT pg_temp.add_columns('user_score_features', ARRAY[
  'challenge_count integer DEFAULT 0',
  'updated_at timestamp with time zone DEFAULT now() NOT NULL'
]);
SELECT pg_temp.add_columns('user_tips', ARRAY[
  'slot integer',
  'sender_user_id integer',
  'receiver_user_id integer',
  'amount bigint',
  'created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL'
]);
SELECT pg_temp.add_columns('users', ARRAY[
  'blockhash character varying',
  'is_current boolean',
  'handle character varying',
  'wallet character varying',
  'name text',
  'profile_picture character varying',
  'cover_photo character varying',
  'bio character varying',
  'location character varying',
  'metadata_multihash character varying',
  'creator_node_endpoint character varying',
  'blocknumber integer',
  'is_verified boolean DEFAULT false NOT NULL',
  'created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL',
  'handle_lc character varying',
  'cover_photo_sizes character varying',
  'profile_picture_sizes character varying',
  'primary_id integer',
  'secondary_ids integer[]',
  'replica_set_update_signer character varying',
  'has_collectibles boolean DEFAULT false NOT NULL',
  'playlist_library jsonb',
  'is_deactivated boolean DEFAULT false NOT NULL',
  'slot integer',
  'user_storage_account character varying',
  'user_authority_account character varying',
  'artist_pick_track_id integer',
  'is_available boolean DEFAULT true NOT NULL',
  'is_storage_v2 boolean DEFAULT false NOT NULL',
  'allow_ai_attribution boolean DEFAULT false NOT NULL',
  'spl_usdc_payout_wallet character varying',
  'twitter_handle character varying',
  'instagram_handle character varying',
  'tiktok_handle character varying',
  'verified_with_twitter boolean DEFAULT false',
  'verified_with_instagram boolean DEFAULT false',
  'verified_with_tiktok boolean DEFAULT false',
  'website character varying',
  'donation character varying',
  'profile_type profile_type_enum',
  'coin_flair_mint text'
]);

-- 2. Types production has (on a production clone every one of these is already so: no change, no lock).
SELECT pg_temp.set_type('aggregate_playlist', 'repost_count', 'integer');
SELECT pg_temp.set_type('aggregate_playlist', 'save_count', 'integer');
SELECT pg_temp.set_type('aggregate_track', 'repost_count', 'integer');
SELECT pg_temp.set_type('aggregate_track', 'save_count', 'integer');
SELECT pg_temp.set_type('associated_wallets', 'chain', 'wallet_chain');
SELECT pg_temp.set_type('comment_notification_settings', 'entity_type', 'text');
SELECT pg_temp.set_type('comments', 'track_timestamp_s', 'bigint');
SELECT pg_temp.set_type('core_indexed_blocks', 'blockhash', 'character varying');
SELECT pg_temp.set_type('core_indexed_blocks', 'height', 'integer');
-- Our timestamps are UTC block times.
SELECT pg_temp.set_type('email_access', 'created_at', 'timestamp with time zone', $$created_at AT TIME ZONE 'UTC'$$);
SELECT pg_temp.set_type('email_access', 'updated_at', 'timestamp with time zone', $$updated_at AT TIME ZONE 'UTC'$$);
SELECT pg_temp.set_type('encrypted_emails', 'created_at', 'timestamp with time zone', $$created_at AT TIME ZONE 'UTC'$$);
SELECT pg_temp.set_type('encrypted_emails', 'updated_at', 'timestamp with time zone', $$updated_at AT TIME ZONE 'UTC'$$);
SELECT pg_temp.set_type('events', 'event_type', 'event_type');
SELECT pg_temp.set_type('events', 'entity_type', 'event_entity_type');
SELECT pg_temp.set_type('muted_users', 'txhash', 'text');
SELECT pg_temp.set_type('muted_users', 'blockhash', 'text');
SELECT pg_temp.set_type('oauth_redirect_uris', 'client_id', 'character varying(255)');
SELECT pg_temp.set_type('oauth_redirect_uris', 'redirect_uri', 'text');
SELECT pg_temp.set_type('oauth_redirect_uris', 'created_at', 'timestamp with time zone', $$created_at AT TIME ZONE 'UTC'$$);
SELECT pg_temp.set_type('reward_codes', 'code', 'text');
SELECT pg_temp.set_type('track_collaborators', 'status', 'text');
SELECT pg_temp.set_type('tracks', 'release_date', 'timestamp without time zone', 'pg_temp.to_timestamp_or_null(release_date)');
SELECT pg_temp.set_type('users', 'profile_type', 'profile_type_enum');
SELECT pg_temp.set_type('users', 'coin_flair_mint', 'text');

-- 3. Nullability. Production's where both have the column; our extra columns never NOT NULL without a
-- default (production's writers do not know them).
SELECT pg_temp.set_not_null('aggregate_playlist', 'is_album', false);
SELECT pg_temp.set_not_null('aggregate_playlist', 'repost_count', false);
SELECT pg_temp.set_not_null('aggregate_playlist', 'save_count', false);
SELECT pg_temp.set_not_null('aggregate_user', 'track_count', false);
SELECT pg_temp.set_not_null('aggregate_user', 'playlist_count', false);
SELECT pg_temp.set_not_null('aggregate_user', 'album_count', false);
SELECT pg_temp.set_not_null('aggregate_user', 'follower_count', false);
SELECT pg_temp.set_not_null('aggregate_user', 'following_count', false);
SELECT pg_temp.set_not_null('aggregate_user', 'repost_count', false);
SELECT pg_temp.set_not_null('aggregate_user', 'track_save_count', false);
SELECT pg_temp.set_not_null('associated_wallets', 'created_at', false);
SELECT pg_temp.set_not_null('associated_wallets', 'updated_at', false);
SELECT pg_temp.set_not_null('comment_mentions', 'is_delete', false);
SELECT pg_temp.set_not_null('comment_mentions', 'blockhash', true);
SELECT pg_temp.set_not_null('comment_notification_settings', 'is_muted', false);
SELECT pg_temp.set_not_null('comment_reactions', 'is_delete', false);
SELECT pg_temp.set_not_null('comment_reactions', 'blockhash', true);
SELECT pg_temp.set_not_null('comment_reports', 'is_delete', false);
SELECT pg_temp.set_not_null('comment_reports', 'blockhash', true);
SELECT pg_temp.set_not_null('comments', 'is_delete', false);
SELECT pg_temp.set_not_null('comments', 'is_visible', false);
SELECT pg_temp.set_not_null('comments', 'is_edited', false);
SELECT pg_temp.set_not_null('comments', 'blockhash', true);
SELECT pg_temp.set_not_null('comments', 'blocknumber', false);
SELECT pg_temp.set_not_null('email_access', 'created_at', false);
SELECT pg_temp.set_not_null('email_access', 'updated_at', false);
SELECT pg_temp.set_not_null('encrypted_emails', 'created_at', false);
SELECT pg_temp.set_not_null('encrypted_emails', 'updated_at', false);
SELECT pg_temp.set_not_null('events', 'is_deleted', false);
SELECT pg_temp.set_not_null('muted_users', 'is_delete', false);
SELECT pg_temp.set_not_null('muted_users', 'blockhash', true);

-- track_collaborators.invited_by (go-openaudio 0033): the track owner who tagged the collaborator.
UPDATE track_collaborators tc SET invited_by = t.owner_id
FROM tracks t
WHERE tc.invited_by IS NULL AND t.track_id = tc.track_id AND t.is_current;
SELECT pg_temp.set_not_null('track_collaborators', 'invited_by', true);
-- reward_codes is filled by the rewards service, not by us; tightened only when nothing is missing.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM reward_codes WHERE mint IS NULL OR reward_address IS NULL OR amount IS NULL) THEN
    PERFORM pg_temp.set_not_null('reward_codes', 'mint', true);
    PERFORM pg_temp.set_not_null('reward_codes', 'reward_address', true);
    PERFORM pg_temp.set_not_null('reward_codes', 'amount', true);
  END IF;
END $$;

-- 4. Production's defaults where we have none.
SELECT pg_temp.set_default('comment_mentions', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('comment_mentions', 'updated_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('comment_notification_settings', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('comment_notification_settings', 'updated_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('comment_reactions', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('comment_reactions', 'updated_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('comment_reports', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('comment_reports', 'updated_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('comments', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('comments', 'updated_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('email_access', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('email_access', 'updated_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('encrypted_emails', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('encrypted_emails', 'updated_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('events', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('events', 'updated_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('muted_users', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('muted_users', 'updated_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('oauth_redirect_uris', 'created_at', 'now()');
SELECT pg_temp.set_default('playlist_tracks', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('playlist_tracks', 'updated_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('shares', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('subscriptions', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('track_downloads', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('tracks', 'duration', '0');
SELECT pg_temp.set_default('user_tips', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('users', 'created_at', 'CURRENT_TIMESTAMP');
SELECT pg_temp.set_default('users', 'updated_at', 'CURRENT_TIMESTAMP');

-- 5. Primary keys. The social tables' keys do not include is_current in production (one current row per
-- pair is the partial unique index, which go-openaudio 0030 adds too).
SELECT pg_temp.set_primary_key('core_indexed_blocks', 'chain_id, height');
SELECT pg_temp.set_primary_key('follows', 'follower_user_id, followee_user_id, txhash');
SELECT pg_temp.set_primary_key('saves', 'user_id, save_item_id, save_type, txhash');
SELECT pg_temp.set_primary_key('reposts', 'user_id, repost_item_id, repost_type, txhash');
SELECT pg_temp.set_primary_key('playlist_seen', 'playlist_id, seen_at, user_id');
SELECT pg_temp.set_primary_key('user_tips', 'slot, signature');
SELECT pg_temp.set_primary_key('oauth_redirect_uris', 'id');
-- Our serial id on core_indexed_blocks is no longer a key; NOT NULL with a default writers need not know.

-- 6. Unique and check constraints production has.
SELECT pg_temp.add_constraint('associated_wallets', 'unique_user_wallet_chain', 'UNIQUE (user_id, wallet, chain)');
SELECT pg_temp.add_constraint('track_collaborators', 'track_collaborators_status_check',
  $$CHECK (status IN ('pending', 'accepted', 'rejected'))$$);
-- Deliberately dropped where production has it: go-openaudio 0026 drops it too, because the row-versioned
-- developer app update/delete inserts a second row for the same address.
ALTER TABLE developer_apps DROP CONSTRAINT IF EXISTS unique_developer_apps_address;
-- Production's blocks.number is UNIQUE through blocks_number_key; ours through the equivalent index
-- blocks_number_uniq (0001). Either serves the FKs production points at blocks(number).
