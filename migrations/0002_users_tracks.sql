-- users and tracks: the two entities every other table points at. Production column names.
-- blocknumber is em_block (blocks.number); no FK to blocks, because the legacy writer may own those rows.

CREATE TABLE IF NOT EXISTS users (
  blockhash varchar,
  blocknumber integer,
  txhash varchar NOT NULL DEFAULT '',
  slot integer,
  user_id integer NOT NULL,
  is_current boolean NOT NULL,
  handle varchar,
  handle_lc varchar,
  wallet varchar,
  name text,
  bio varchar,
  location varchar,
  profile_picture varchar,
  profile_picture_sizes varchar,
  cover_photo varchar,
  cover_photo_sizes varchar,
  metadata_multihash varchar,
  creator_node_endpoint varchar,
  is_verified boolean NOT NULL DEFAULT false,
  is_deactivated boolean NOT NULL DEFAULT false,
  is_available boolean NOT NULL DEFAULT true,
  is_storage_v2 boolean NOT NULL DEFAULT false,
  playlist_library jsonb,
  artist_pick_track_id integer,
  allow_ai_attribution boolean NOT NULL DEFAULT false,
  twitter_handle varchar,
  instagram_handle varchar,
  tiktok_handle varchar,
  verified_with_twitter boolean DEFAULT false,
  verified_with_instagram boolean DEFAULT false,
  verified_with_tiktok boolean DEFAULT false,
  website varchar,
  donation varchar,
  profile_type varchar,
  spl_usdc_payout_wallet varchar,
  coin_flair_mint varchar,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  PRIMARY KEY (user_id, txhash)
);
CREATE UNIQUE INDEX IF NOT EXISTS users_current_uniq_idx ON users (user_id) WHERE is_current;
CREATE INDEX IF NOT EXISTS users_wallet_idx ON users (wallet);
CREATE INDEX IF NOT EXISTS users_handle_lc_idx ON users (handle_lc) WHERE is_current;
CREATE INDEX IF NOT EXISTS users_blocknumber_idx ON users (blocknumber);

CREATE TABLE IF NOT EXISTS tracks (
  blockhash varchar,
  blocknumber integer,
  txhash varchar NOT NULL DEFAULT '',
  slot integer,
  track_id integer NOT NULL,
  is_current boolean NOT NULL,
  is_delete boolean NOT NULL DEFAULT false,
  owner_id integer NOT NULL,
  title text,
  genre varchar,
  mood varchar,
  tags varchar,
  description varchar,
  cover_art varchar,
  cover_art_sizes varchar,
  track_cid varchar,
  preview_cid varchar,
  orig_file_cid varchar,
  orig_filename varchar,
  audio_upload_id varchar,
  license varchar,
  isrc varchar,
  iswc varchar,
  duration integer,
  bpm double precision,
  musical_key varchar,
  release_date varchar,
  remix_of jsonb,
  stem_of jsonb,
  field_visibility jsonb,
  stream_conditions jsonb,
  download_conditions jsonb,
  is_stream_gated boolean NOT NULL DEFAULT false,
  is_download_gated boolean NOT NULL DEFAULT false,
  is_downloadable boolean NOT NULL DEFAULT false,
  is_unlisted boolean NOT NULL DEFAULT false,
  is_available boolean NOT NULL DEFAULT true,
  is_scheduled_release boolean NOT NULL DEFAULT false,
  route_id varchar,
  track_segments jsonb NOT NULL DEFAULT '[]',
  pinned_comment_id integer,
  ddex_app varchar,
  access_authorities text[],
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  PRIMARY KEY (track_id, txhash)
);
CREATE UNIQUE INDEX IF NOT EXISTS tracks_current_uniq_idx ON tracks (track_id) WHERE is_current;
CREATE INDEX IF NOT EXISTS tracks_owner_idx ON tracks (owner_id) WHERE is_current;
CREATE INDEX IF NOT EXISTS tracks_blocknumber_idx ON tracks (blocknumber);

-- developer_apps and grants feed signer authorization for every handler, so they live with users.
CREATE TABLE IF NOT EXISTS developer_apps (
  blockhash varchar,
  blocknumber integer,
  txhash varchar NOT NULL DEFAULT '',
  address varchar NOT NULL,
  user_id integer,
  name varchar NOT NULL,
  description varchar(255),
  image_url varchar,
  is_personal_access boolean NOT NULL DEFAULT false,
  is_current boolean NOT NULL,
  is_delete boolean NOT NULL DEFAULT false,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  PRIMARY KEY (address, txhash)
);
CREATE UNIQUE INDEX IF NOT EXISTS developer_apps_current_uniq ON developer_apps (address) WHERE is_current;
CREATE INDEX IF NOT EXISTS developer_apps_user_idx ON developer_apps (user_id) WHERE is_current;

-- Key decision: (grantee_address, user_id, txhash) with one current row per pair, so demote + insert works.
CREATE TABLE IF NOT EXISTS grants (
  blockhash varchar,
  blocknumber integer,
  txhash varchar NOT NULL DEFAULT '',
  grantee_address varchar NOT NULL,
  user_id integer NOT NULL,
  is_revoked boolean NOT NULL DEFAULT false,
  is_current boolean NOT NULL,
  is_approved boolean,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  PRIMARY KEY (grantee_address, user_id, txhash)
);
CREATE UNIQUE INDEX IF NOT EXISTS grants_current_uniq ON grants (grantee_address, user_id) WHERE is_current;
CREATE INDEX IF NOT EXISTS grants_user_idx ON grants (user_id) WHERE is_current;
