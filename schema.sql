-- The assessment service's only DDL. Safe to re-run on a database full of data:
-- it creates what is missing and drops nothing.
--
-- `flask init-db` (db.apply_schema) applies it while the service takes traffic:
-- - when this file's sha256 is the one recorded in schema_state, it runs nothing at all;
-- - otherwise it runs the statements one at a time, each in its own transaction, under an
--   advisory lock (one applier at a time); a statement waits at most 2 s for its table's lock
--   (requests queue behind it meanwhile), then gives way and is retried alone, with backoff;
-- - the new sha256 is recorded once every statement has run.
-- So write every statement to be re-runnable and to lock one table: `create ... if not exists`,
-- `alter table t add column if not exists ...` (nullable, or with a constant default: no
-- rewrite). On a big table prefer `create index concurrently if not exists` (it runs, being
-- outside a transaction); one whose build fails leaves an invalid index, which init-db then
-- reports for you to drop.

-- What init-db applied last: the sha256 of this file's text, and when.
create table if not exists schema_state (
    singleton   boolean primary key default true check (singleton),
    checksum    text not null,
    applied_at  timestamptz not null
);

create table if not exists users (
    id          text primary key,
    name        text not null check (length(name) between 1 and 200),
    email       text not null check (length(email) between 3 and 320),
    role        text not null check (role in ('admin', 'instructor', 'learner')),
    created_at  timestamptz not null default clock_timestamp()
);
-- Email is unique case-insensitively.
create unique index if not exists users_email_key on users (lower(email));
-- Two addresses are the same when equal after NFKC normalization and full case folding
-- (STRASSE = straße), which lower() does not do: the key is computed by the service
-- (users.email_key) and filled in for older rows by `flask init-db`.
alter table users add column if not exists email_key text;
create unique index if not exists users_email_key_key on users (email_key);
-- GET /users pages in creation order.
create index if not exists users_created_at_idx on users (created_at, id);

create table if not exists tokens (
    id          text primary key,
    user_id     text not null references users (id),
    token_hash  bytea not null,
    created_at  timestamptz not null default clock_timestamp(),
    revoked_at  timestamptz
);
-- Every request looks its bearer token up by hash.
create unique index if not exists tokens_token_hash_key on tokens (token_hash);
create index if not exists tokens_user_id_idx on tokens (user_id);

create table if not exists courses (
    id          text primary key,
    title       text not null check (length(title) between 3 and 200),
    created_at  timestamptz not null default clock_timestamp()
);
create index if not exists courses_created_at_idx on courses (created_at, id);

create table if not exists enrollments (
    id          text primary key,
    course_id   text not null references courses (id),
    user_id     text not null references users (id),
    role        text not null check (role in ('learner', 'instructor')),
    status      text not null check (status in ('active', 'completed', 'dropped')),
    created_at  timestamptz not null default clock_timestamp(),
    updated_at  timestamptz not null default clock_timestamp(),
    -- One enrollment per user and course; every access check looks it up by this pair.
    constraint enrollments_course_user_key unique (course_id, user_id)
);
-- When the enrollment first became completed: completed is final for active (contract
-- section 2), by any path, dropped in between included.
alter table enrollments add column if not exists completed_at timestamptz;
update enrollments set completed_at = updated_at where status = 'completed' and completed_at is null;
do $$
begin
    alter table enrollments add constraint enrollments_completed_is_final_check
        check (status <> 'active' or completed_at is null);
exception when duplicate_object then null;
end $$;
-- A standing time multiplier for every timed assessment of the course (an accommodation).
alter table enrollments add column if not exists time_multiplier numeric(3, 2);
do $$
begin
    alter table enrollments add constraint enrollments_time_multiplier_check check (time_multiplier between 1.00 and 5.00);
exception when duplicate_object then null;
end $$;
-- Course lists for a user, and GET /courses/{id}/enrollments in creation order.
create index if not exists enrollments_user_id_idx on enrollments (user_id, course_id);
create index if not exists enrollments_course_created_idx on enrollments (course_id, created_at, id);

create table if not exists assessments (
    id                  text primary key,
    course_id           text not null references courses (id),
    title               text not null check (length(title) between 3 and 200),
    passing_score       integer not null check (passing_score between 1 and 100),
    time_limit_minutes  integer check (time_limit_minutes >= 1),
    max_attempts        integer check (max_attempts >= 1),
    created_at          timestamptz not null default clock_timestamp(),
    updated_at          timestamptz not null default clock_timestamp()
);
create index if not exists assessments_course_created_idx on assessments (course_id, created_at, id);
create index if not exists assessments_created_at_idx on assessments (created_at, id);

-- Taking an assessment over time (contract section 14): the availability window, an
-- informational due date, a cooldown between attempts, what happens at the deadline.
alter table assessments add column if not exists available_from timestamptz;
alter table assessments add column if not exists available_until timestamptz;
alter table assessments add column if not exists due_at timestamptz;
alter table assessments add column if not exists cooldown_minutes integer;
alter table assessments add column if not exists on_expiry text not null default 'submit_saved';
do $$
begin
    alter table assessments add constraint assessments_window_check check (
        (available_from is null or available_until is null or available_from < available_until)
        and (due_at is null or available_from is null or due_at >= available_from)
        and (due_at is null or available_until is null or due_at <= available_until)
        and (cooldown_minutes is null or cooldown_minutes >= 1)
        and on_expiry in ('submit_saved', 'discard')
    );
exception when duplicate_object then null;
end $$;

-- Grades and what learners may see (contract section 15): which submissions count for
-- the grade, and when a learner sees their score, what was right and the correct answers.
alter table assessments add column if not exists grading_method text not null default 'highest';
alter table assessments add column if not exists review jsonb not null
    default '{"show_score": "immediately", "show_correctness": "immediately", "show_correct_answers": "never"}';
do $$
begin
    alter table assessments add constraint assessments_grading_method_check
        check (grading_method in ('highest', 'latest', 'first', 'average'));
exception when duplicate_object then null;
end $$;

create table if not exists questions (
    id             text primary key,
    assessment_id  text not null references assessments (id) on delete cascade,
    position       integer not null check (position >= 1),
    type           text not null,
    prompt         text not null check (length(prompt) between 1 and 5000),
    points         numeric(12, 2) not null check (points > 0),
    -- The type's authoring fields (choices with ids, correct_answer, accepted_answers, ...).
    -- jsonb keeps numbers as exact decimals.
    spec           jsonb not null,
    created_at     timestamptz not null default clock_timestamp(),
    updated_at     timestamptz not null default clock_timestamp(),
    -- Deferred so that shifting positions in one statement cannot trip over itself.
    constraint questions_assessment_position_key unique (assessment_id, position) deferrable initially deferred
);

-- The question types authoring/question_types registers. A new type widens the check
-- under a new name, and the narrower one of earlier versions goes.
do $$
begin
    alter table questions add constraint questions_known_type_check
        check (type in ('single_choice', 'multiple_choice', 'true_false', 'short_text', 'numeric', 'matching', 'ordering'));
exception when duplicate_object then null;
end $$;
alter table questions drop constraint if exists questions_type_check;

-- Shown to learners with the correct answers (choices carry theirs in spec).
alter table questions add column if not exists feedback text;
do $$
begin
    alter table questions add constraint questions_feedback_check check (length(feedback) <= 5000);
exception when duplicate_object then null;
end $$;

-- Question groups (contract section 13): a pool of questions of which each attempt's paper
-- draws pick_count, each worth the group's points_per_question.
create table if not exists question_groups (
    id                   text primary key,
    assessment_id        text not null references assessments (id) on delete cascade,
    name                 text not null check (length(name) between 1 and 200),
    pick_count           integer not null check (pick_count >= 1),
    points_per_question  numeric(12, 2) not null check (points_per_question > 0),
    created_at           timestamptz not null default clock_timestamp(),
    updated_at           timestamptz not null default clock_timestamp()
);
-- GET /assessments/{id}/question-groups pages in creation order.
create index if not exists question_groups_assessment_created_idx on question_groups (assessment_id, created_at, id);
-- A grouped question is worth its group's points (its own are kept, and used again when it
-- leaves the group). No cascade: a group is deleted only once empty (409 otherwise); an
-- assessment's delete takes both in one statement.
alter table questions add column if not exists group_id text references question_groups (id);
create index if not exists questions_group_idx on questions (group_id) where group_id is not null;
-- Shuffled order of questions, and of choices, options and prompts, on each attempt's paper.
alter table assessments add column if not exists shuffle_questions boolean not null default false;
alter table assessments add column if not exists shuffle_choices boolean not null default false;

create table if not exists attempts (
    id              text primary key,
    assessment_id   text not null references assessments (id),
    learner_id      text not null references users (id),
    attempt_number  integer not null check (attempt_number >= 1),
    started_at      timestamptz not null default clock_timestamp(),
    expires_at      timestamptz,
    -- 'expired' is also derived on read from expires_at; it is stored when noticed.
    status          text not null check (status in ('in_progress', 'submitted', 'expired')),
    submitted_at    timestamptz,
    -- Attempt numbers are unique per learner and assessment; with the enrollment row lock
    -- taken by every writer they are also gap-free.
    constraint attempts_number_key unique (assessment_id, learner_id, attempt_number),
    constraint attempts_submitted_check check ((status = 'submitted') = (submitted_at is not null))
);
-- At most one attempt in progress per learner and assessment.
create unique index if not exists attempts_one_in_progress_key
    on attempts (assessment_id, learner_id) where status = 'in_progress';
create index if not exists attempts_learner_idx on attempts (learner_id);

-- Drafts: the answers saved during an attempt (question id -> answer) and their revision;
-- ended_at: when the attempt ended (submitted, or its time ran out), which a cooldown counts from.
alter table attempts add column if not exists saved_answers jsonb not null default '{}';
alter table attempts add column if not exists revision integer not null default 0;
alter table attempts add column if not exists saved_at timestamptz;
alter table attempts add column if not exists ended_at timestamptz;
-- The attempt's paper (contract section 13), drawn when it starts and never changed:
-- {"questions": [{"id": question id, "choices" | "prompts" | "options" | "items": [ids in
-- the order shown]}]} in the order shown. Null for attempts made by a submission without
-- one, and for those of earlier versions: those are judged by the current question list.
alter table attempts add column if not exists paper jsonb;
-- The deadline worker finds attempts whose time ran out by this (few rows: those in progress).
create index if not exists attempts_deadline_idx on attempts (expires_at) where status = 'in_progress';

create table if not exists submissions (
    id               text primary key,
    assessment_id    text not null references assessments (id),
    learner_id       text not null references users (id),
    attempt_id       text not null references attempts (id),
    attempt_number   integer not null check (attempt_number >= 1),
    score            numeric(5, 2) not null check (score between 0 and 100),
    passed           boolean not null,
    points_earned    numeric(14, 2) not null check (points_earned >= 0),
    points_possible  numeric(14, 2) not null check (points_possible > 0 and points_earned <= points_possible),
    -- The per-question results, each with its answer, frozen at scoring time: editing a
    -- question later changes no stored result. (answers: a second copy of the answers,
    -- written by earlier versions only.)
    answers          jsonb,
    results          jsonb not null,
    submitted_at     timestamptz not null default clock_timestamp(),
    constraint submissions_attempt_key unique (attempt_id),
    constraint submissions_number_key unique (assessment_id, learner_id, attempt_number)
);
-- Who ended the attempt (the learner, or the deadline from saved answers), and whether
-- the submission came after the (effective) due date.
alter table submissions add column if not exists finalized_by text not null default 'learner';
alter table submissions add column if not exists late boolean not null default false;
do $$
begin
    alter table submissions add constraint submissions_finalized_by_check check (finalized_by in ('learner', 'deadline'));
exception when duplicate_object then null;
end $$;
-- The answers are kept once, in results (earlier versions kept them twice).
alter table submissions alter column answers drop not null;
-- octet_length of results as written, so that a page of submissions is bounded in size
-- before its results are read (null for rows of earlier versions).
alter table submissions add column if not exists result_bytes integer;
-- The figures statistics sum (contract section 17): points_earned in cents, and the
-- results again as arrays in the results' order:
-- summing 1,000,000 results from these is ten times faster than taking the jsonb apart.
-- Filled by the trigger below from `results` on every insert and update of it, so that no
-- writer (a submission, the deadline, a regrade, a result set by hand, a bulk load) can
-- leave them out of step; the application never writes them.
alter table submissions add column if not exists points_earned_cents bigint;
alter table submissions add column if not exists result_question_ids text[];
alter table submissions add column if not exists result_credits integer[];  -- ten-thousandths
alter table submissions add column if not exists result_points bigint[];  -- cents
alter table submissions add column if not exists result_answered boolean[];
-- One element per choice chosen in a choice question's answer (a result of an earlier
-- version, which has no type, counts as one: statistics count only choice questions').
alter table submissions add column if not exists chosen_question_ids text[];
alter table submissions add column if not exists chosen_choice_ids text[];
create or replace function submission_result_arrays() returns trigger language plpgsql as $$
begin
    new.points_earned_cents := (new.points_earned * 100)::bigint;
    select coalesce(array_agg(r.result ->> 'question_id' order by r.n), '{}'),
           -- A result stored before partial credit has no credit: all or nothing.
           coalesce(array_agg(coalesce(replace(r.result ->> 'credit', '.', '')::integer,
                                       case when (r.result ->> 'correct')::boolean then 10000 else 0 end) order by r.n), '{}'),
           coalesce(array_agg(round((r.result ->> 'points_earned')::numeric * 100)::bigint order by r.n), '{}'),
           coalesce(array_agg(coalesce((r.result ->> 'answered')::boolean, false) order by r.n), '{}')
    into new.result_question_ids, new.result_credits, new.result_points, new.result_answered
    from jsonb_array_elements(new.results) with ordinality as r (result, n);
    select coalesce(array_agg(r.result ->> 'question_id' order by r.n, c.m), '{}'),
           coalesce(array_agg(c.choice_id order by r.n, c.m), '{}')
    into new.chosen_question_ids, new.chosen_choice_ids
    from jsonb_array_elements(new.results) with ordinality as r (result, n)
    cross join lateral jsonb_array_elements_text(
        case jsonb_typeof(r.result -> 'answer')
            when 'array' then r.result -> 'answer'
            when 'string' then jsonb_build_array(r.result -> 'answer')
            else '[]'::jsonb
        end
    ) with ordinality as c (choice_id, m)
    where coalesce(r.result ->> 'type', 'single_choice') in ('single_choice', 'multiple_choice');
    return new;
end $$;
create or replace trigger submissions_result_arrays
    before insert or update of results, points_earned on submissions
    for each row execute function submission_result_arrays();
-- Rows stored before the trigger (a no-op once they have their arrays).
update submissions set results = results where points_earned_cents is null or result_question_ids is null;
-- Lists: an assessment's submissions in order (instructors), a learner's own (learners);
-- the unique key above serves (assessment_id, learner_id) lookups.
create index if not exists submissions_assessment_submitted_idx on submissions (assessment_id, submitted_at, id);
create index if not exists submissions_learner_idx on submissions (learner_id);

-- A learner's grade on an assessment (contract section 15): what the grading method makes
-- of their submissions, written in the transaction of every change that moves it (so a
-- gradebook is an indexed read). No row: no submission yet. Older databases get their
-- rows from `flask init-db` (grading.grades.backfill_grades).
create table if not exists grades (
    assessment_id        text not null references assessments (id),
    learner_id           text not null references users (id),
    score                numeric(5, 2) check (score between 0 and 100),
    passed               boolean,
    -- The counted submission (null for average, or before the first submission).
    submission_id        text references submissions (id),
    submissions_counted  integer not null default 0 check (submissions_counted >= 0),
    first_passed_at      timestamptz,
    updated_at           timestamptz not null default clock_timestamp(),
    primary key (assessment_id, learner_id)
);
create index if not exists grades_learner_idx on grades (learner_id);

-- Regrades and score history (contract section 16). A regrade applies the questions as
-- they were when it was asked for (its `questions`) to the submissions stored by then,
-- in batches by the worker, each batch one transaction that also moves the cursor; its
-- history rows are unique per submission, so a batch done twice changes nothing twice.
alter table submissions add column if not exists regraded boolean not null default false;
create table if not exists regrades (
    id              text primary key,
    assessment_id   text not null references assessments (id),
    status          text not null check (status in ('queued', 'running', 'completed', 'failed')),
    policy          text not null check (policy in ('new_key', 'new_or_old_key', 'full_credit')),
    allow_decrease  boolean not null,
    question_ids    text[],
    reason          text not null check (length(reason) between 1 and 500),
    created_by      text not null references users (id),
    -- The questions regraded, as they were when it was asked for: every batch uses these.
    questions       jsonb not null,
    -- It regrades the submissions stored before it was created, in (submitted_at, id) order.
    total           integer not null check (total >= 0),
    processed       integer not null default 0 check (processed >= 0),
    changed         integer not null default 0 check (changed >= 0),
    cursor_submitted_at  timestamptz,
    cursor_id       text,
    error           text,
    created_at      timestamptz not null default clock_timestamp(),
    started_at      timestamptz,
    finished_at     timestamptz
);
-- One regrade at a time per assessment.
create unique index if not exists regrades_one_active_key on regrades (assessment_id) where status in ('queued', 'running');
create index if not exists regrades_pending_idx on regrades (created_at) where status in ('queued', 'running');

-- Every change of a stored score, append-only, oldest first per submission.
create table if not exists score_history (
    id                 bigint generated always as identity primary key,
    submission_id      text not null references submissions (id),
    regrade_id         text references regrades (id),
    changed_at         timestamptz not null default clock_timestamp(),
    changed_by         text not null references users (id),
    reason             text not null check (length(reason) between 1 and 500),
    old_score          numeric(5, 2) not null,
    old_passed         boolean not null,
    old_points_earned  numeric(14, 2) not null,
    new_score          numeric(5, 2) not null,
    new_passed         boolean not null,
    new_points_earned  numeric(14, 2) not null,
    constraint score_history_once_per_regrade_key unique (regrade_id, submission_id)
);
create index if not exists score_history_submission_idx on score_history (submission_id, id);

create table if not exists idempotency_keys (
    user_id        text not null references users (id),
    key            text not null check (length(key) between 1 and 255),
    request_hash   bytea not null,
    status         integer,
    response_body  text,
    location       text,
    created_at     timestamptz not null default now(),
    primary key (user_id, key)
);
create index if not exists idempotency_keys_created_at_idx on idempotency_keys (created_at);

-- Tokens were once kept in the replayable responses of POST /users and POST
-- /users/{id}/tokens; a secret is never stored (contract section 1), so take them out.
update idempotency_keys
set response_body = case
        when response_body like '{"user": {%' then (response_body::jsonb #- '{token,value}')::text
        else (response_body::jsonb - 'value')::text
    end
where response_body like '{"user": {%"token": {%"value": %'
   or response_body like '{"id": "tok\_%"value": %';

-- Accommodations: one learner's settings on one assessment, each replacing the
-- assessment's (contract section 14).
create table if not exists overrides (
    id                  text primary key,
    assessment_id       text not null references assessments (id) on delete cascade,
    learner_id          text not null references users (id),
    extra_attempts      integer not null default 0 check (extra_attempts between 0 and 1000),
    extra_time_minutes  integer check (extra_time_minutes between 0 and 10080),
    time_multiplier     numeric(3, 2) check (time_multiplier between 1.00 and 5.00),
    available_from      timestamptz,
    available_until     timestamptz,
    due_at              timestamptz,
    reason              text check (length(reason) <= 500),
    created_at          timestamptz not null default clock_timestamp(),
    updated_at          timestamptz not null default clock_timestamp(),
    constraint overrides_one_time_setting_check check (extra_time_minutes is null or time_multiplier is null),
    constraint overrides_window_check check (available_from is null or available_until is null or available_from < available_until),
    -- One per learner and assessment; every start and submission reads it by this pair.
    constraint overrides_learner_key unique (assessment_id, learner_id)
);
-- GET /assessments/{id}/overrides pages in creation order.
create index if not exists overrides_assessment_created_idx on overrides (assessment_id, created_at, id);

-- Events (contract section 18): the outbox. Each row is written in the transaction of the
-- change it reports (events.outbox.record), and never changed afterwards: the columns are
-- those Debezium's outbox event router reads (id, aggregatetype, aggregateid, type,
-- payload), so a platform on Kafka can stream this table instead of the built-in delivery.
create table if not exists events (
    id             text primary key,
    aggregatetype  text not null,
    aggregateid    text not null,
    type           text not null,
    -- The object as a manager's GET shows it, as written (json keeps the key order).
    payload        json not null,
    created_at     timestamptz not null default clock_timestamp(),
    -- The writing transaction's id, and the order of the events it wrote: which events the
    -- feed may have positioned already is told by them (events.feed).
    writer_xid     xid8 not null default pg_current_xact_id(),
    seq            bigint generated by default as identity
);
-- The feed's sequencer looks for unpositioned events among those of recent transactions.
create index if not exists events_writer_xid_idx on events (writer_xid, seq);

-- The feed's order: each committed event gets the next position once it is visible, so
-- positions follow the order the transactions committed in and a consumer that reads after
-- the last position it saw never misses one (events.feed explains why).
create table if not exists event_feed (
    position  bigint primary key,
    event_id  text not null references events (id),
    type      text not null,
    constraint event_feed_event_key unique (event_id)
);
-- GET /events?type= pages through one type in feed order.
create index if not exists event_feed_type_idx on event_feed (type, position);
-- Every event of a transaction whose id is below this one has its position; one row, whose
-- lock makes the sequencer run one at a time.
create table if not exists event_feed_horizon (
    singleton  boolean primary key default true check (singleton),
    horizon    xid8 not null
);

-- Webhook endpoints: where events are POSTed, signed with the endpoint's secret. The
-- secrets are kept sealed with WEBHOOK_SECRETS_KEY (events.signing): the worker must sign
-- with them, and a copy of the database alone does not give them away.
create table if not exists webhook_endpoints (
    id                          text primary key,
    url                         text not null check (length(url) between 1 and 2000),
    event_types                 text[] not null check (cardinality(event_types) >= 1),
    description                 text check (length(description) <= 500),
    enabled                     boolean not null default true,
    secret_sealed               text not null,
    -- After a rotation the replaced secret still signs, beside the new one, until this.
    previous_secret_sealed      text,
    previous_secret_expires_at  timestamptz,
    created_at                  timestamptz not null default clock_timestamp(),
    updated_at                  timestamptz not null default clock_timestamp()
);
create index if not exists webhook_endpoints_created_idx on webhook_endpoints (created_at, id);

-- How far the worker has made deliveries of the feed's events: through this position.
create table if not exists webhook_fanout (
    singleton  boolean primary key default true check (singleton),
    position   bigint not null
);

-- One delivery per event and endpoint wanting it, made by the worker from the feed (so a
-- change pays for one row only). `pending` ones are
-- tried when next_try_at comes (null: paused, its endpoint is disabled); a worker that takes
-- one moves next_try_at past its try and sets a lease, so no other takes it meanwhile.
create table if not exists webhook_deliveries (
    id                text primary key,
    endpoint_id       text not null references webhook_endpoints (id) on delete cascade,
    event_id          text not null references events (id),
    status            text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    tries             integer not null default 0 check (tries >= 0),
    next_try_at       timestamptz,
    lease             uuid,
    last_http_status  integer,
    last_error        text,
    last_tried_at     timestamptz,
    delivered_at      timestamptz,
    created_at        timestamptz not null default clock_timestamp(),
    constraint webhook_deliveries_event_key unique (endpoint_id, event_id),
    constraint webhook_deliveries_done_check check (status = 'pending' or next_try_at is null)
);
-- The worker takes what is due by this (few rows: those pending).
create index if not exists webhook_deliveries_due_idx on webhook_deliveries (next_try_at) where status = 'pending';
-- GET /webhook-endpoints/{id}/deliveries pages in creation order.
create index if not exists webhook_deliveries_endpoint_created_idx on webhook_deliveries (endpoint_id, created_at, id);
