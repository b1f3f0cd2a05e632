import { type Kysely, sql } from 'kysely'

/**
 * The content pipeline (SPEC 4).
 *
 * `memes`: one uploaded image and what became of it. `state` follows the pipeline's state machine
 * (src/services/content/pipeline.ts). Files are content-addressed under DATA_DIR/media: the row
 * keeps their hashes, never paths. `original_sha256` is unique, which is what refuses an exact
 * duplicate even when two uploads race. `approved_at` orders the round queue (first in, first out).
 *
 * `jobs`: a durable queue in the database, so it works the same on PGlite and PostgreSQL. A worker
 * claims a job with `for update skip locked` and holds it until `locked_until`; a job whose worker
 * died is claimed again after that. Failures retry after `run_at` with exponential backoff until
 * `max_attempts`, then the job is dead (a dead letter) and its meme goes to review.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table memes (
      id text primary key,
      creator_user_id text not null references users(id),
      title text not null,
      tags jsonb not null,
      state text not null,
      original_sha256 text not null unique,
      original_format text not null,
      original_width integer not null,
      original_height integer not null,
      original_bytes bigint not null,
      stored_sha256 text not null,
      stored_ext text not null,
      phash text not null,
      near_duplicate_of text references memes(id),
      animation jsonb,
      quality jsonb,
      problems jsonb not null default '[]',
      attempts integer not null default 0,
      review_reason text,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      approved_at timestamptz,
      assigned_round integer,
      constraint memes_state_known check (state in
        ('validated', 'transforming', 'checked', 'in_review', 'approved', 'assigned', 'rejected')),
      constraint memes_sha256_hex check (original_sha256 ~ '^[0-9a-f]{64}$')
    )`.execute(db)
  await sql`create index memes_by_state on memes (state, created_at)`.execute(db)
  await sql`create index memes_round_queue on memes (approved_at, id) where state = 'approved'`.execute(db)

  // Which stored files anyone may fetch (posters, thumbnails) and which need an admin or a token.
  await sql`
    create table media_files (
      sha256 text not null,
      ext text not null,
      visibility text not null,
      bytes bigint not null,
      created_at timestamptz not null,
      primary key (sha256, ext),
      constraint media_files_visibility_known check (visibility in ('public', 'protected'))
    )`.execute(db)

  await sql`
    create table jobs (
      id text primary key,
      queue text not null,
      payload jsonb not null,
      state text not null default 'queued',
      attempts integer not null default 0,
      max_attempts integer not null,
      run_at timestamptz not null,
      locked_by text,
      locked_until timestamptz,
      last_error text,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      constraint jobs_state_known check (state in ('queued', 'running', 'done', 'dead')),
      constraint jobs_attempts check (attempts >= 0 and max_attempts >= 1)
    )`.execute(db)
  await sql`create index jobs_ready on jobs (queue, run_at, id) where state = 'queued'`.execute(db)
  await sql`create index jobs_running on jobs (locked_until) where state = 'running'`.execute(db)
}
