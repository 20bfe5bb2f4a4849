"""Schema migrations: entry N brings a database from version N to N+1 (SQLite: PRAGMA
user_version; PostgreSQL: the schema_version table). Never edit a released entry; append a
new one.

They are written for SQLite; PostgreSQL runs the same entries with the few type names that
differ translated (`postgres_migrations`), so both backends always have the same version
numbers and the same tables. An entry that cannot be translated that way gets its
PostgreSQL text in `_POSTGRES_ONLY`.
"""

import re

__all__ = ["MIGRATIONS", "postgres_migrations"]

MIGRATIONS: list[str] = [
    # 1: jobs, their input images, the quota ledger, per-scope daily usage, users
    """
    CREATE TABLE users (
        user_key   TEXT PRIMARY KEY,
        platform   TEXT NOT NULL,
        user_id    TEXT NOT NULL,
        name       TEXT NOT NULL DEFAULT '',
        first_seen REAL NOT NULL,
        last_seen  REAL NOT NULL
    );
    CREATE TABLE jobs (
        id           TEXT PRIMARY KEY,
        user_key     TEXT NOT NULL REFERENCES users(user_key),
        platform     TEXT NOT NULL,
        user_id      TEXT NOT NULL,
        chat_id      TEXT,
        user_name    TEXT NOT NULL DEFAULT '',
        command      TEXT NOT NULL,
        model        TEXT NOT NULL,
        prompt       TEXT NOT NULL,
        options      TEXT NOT NULL,
        destination  TEXT NOT NULL,
        cost         INTEGER NOT NULL,
        quota_day    TEXT NOT NULL,
        state        TEXT NOT NULL,
        has_image    INTEGER NOT NULL DEFAULT 0,
        task_id      TEXT,
        file_id      TEXT,
        result_url   TEXT,
        failure      TEXT,
        notified     INTEGER NOT NULL DEFAULT 0,
        created_at   REAL NOT NULL,
        deadline_at  REAL NOT NULL,
        submitted_at REAL,
        ready_at     REAL,
        finished_at  REAL
    );
    CREATE INDEX jobs_in_flight ON jobs(user_key) WHERE state IN ('queued', 'running', 'ready');
    CREATE INDEX jobs_unfinished ON jobs(state, notified) WHERE state != 'delivered';
    CREATE INDEX jobs_finished_by_model ON jobs(model, finished_at) WHERE state = 'delivered';
    CREATE TABLE job_images (
        job_id TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
        mime   TEXT NOT NULL,
        data   BLOB NOT NULL
    );
    -- Every credit movement. reserved = committed + refunded + still in flight, always.
    CREATE TABLE ledger (
        id       INTEGER PRIMARY KEY,
        job_id   TEXT REFERENCES jobs(id),
        user_key TEXT NOT NULL,
        chat_key TEXT,
        entry    TEXT NOT NULL,
        amount   INTEGER NOT NULL,
        at       REAL NOT NULL
    );
    CREATE INDEX ledger_by_job ON ledger(job_id);
    -- Credits spent per scope and day ('user:…', 'chat:…', 'bot'), kept in step with the
    -- ledger in the same transactions, so a quota check is a key lookup, not a scan.
    CREATE TABLE usage (
        scope TEXT NOT NULL,
        day   TEXT NOT NULL,
        spent INTEGER NOT NULL,
        PRIMARY KEY (scope, day)
    ) WITHOUT ROWID
    """,
    # 2: the `submitting` state counts as in flight (a paid call may be on its way)
    """
    DROP INDEX jobs_in_flight;
    CREATE INDEX jobs_in_flight ON jobs(user_key) WHERE state IN ('queued', 'submitting', 'running', 'ready');
    ALTER TABLE jobs ADD COLUMN posting INTEGER NOT NULL DEFAULT 0
    """,
    # 3: operator controls: bans, limits per user / chat / tier, a pause, an audit trail,
    # alert rate limits; grants are ledger rows (entry 'grant') counted per day in usage
    """
    CREATE TABLE bans (
        user_key TEXT PRIMARY KEY,
        reason   TEXT NOT NULL DEFAULT '',
        actor    TEXT NOT NULL,
        at       REAL NOT NULL
    );
    CREATE TABLE limits (
        scope         TEXT PRIMARY KEY,
        daily_credits INTEGER NOT NULL,
        max_in_flight INTEGER,
        actor         TEXT NOT NULL,
        at            REAL NOT NULL
    );
    CREATE TABLE pause (
        id     INTEGER PRIMARY KEY CHECK (id = 1),
        cause  TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        actor  TEXT NOT NULL,
        at     REAL NOT NULL
    );
    CREATE TABLE audit (
        id     INTEGER PRIMARY KEY,
        at     REAL NOT NULL,
        actor  TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE alerts (
        cause   TEXT PRIMARY KEY,
        sent_at REAL NOT NULL
    );
    CREATE INDEX jobs_by_user ON jobs(user_key, created_at);
    CREATE INDEX jobs_by_day ON jobs(quota_day, state, user_key, model, cost, platform, chat_id)
    """,
    # 4: the inbox of platform events (Telegram updates), stored before the
    # platform is told it may forget them. Self-contained: it touches no other table.
    """
    CREATE TABLE inbox (
        platform    TEXT NOT NULL,
        update_id   INTEGER NOT NULL,
        payload     TEXT NOT NULL,
        received_at REAL NOT NULL,
        handled_at  REAL,
        failures    INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (platform, update_id)
    ) WITHOUT ROWID;
    CREATE INDEX inbox_unhandled ON inbox(platform, update_id) WHERE handled_at IS NULL;
    CREATE INDEX inbox_handled ON inbox(handled_at) WHERE handled_at IS NOT NULL
    """,
    # 5: purchased credits (Telegram Stars): a wallet per member that does not expire at
    # midnight, the payments that filled it, and how much of each job's cost it paid
    """
    ALTER TABLE jobs ADD COLUMN from_wallet INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE wallets (
        user_key TEXT PRIMARY KEY,
        balance  INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE payments (
        charge_id   TEXT PRIMARY KEY,
        user_key    TEXT NOT NULL,
        credits     INTEGER NOT NULL,
        stars       INTEGER NOT NULL,
        at          REAL NOT NULL,
        refunded_at REAL,
        taken_back  INTEGER
    )
    """,
    # 6: leases, so that several workers can share one database and none runs a job another
    # runs: the worker that owns a job, and until when (it renews while it lives)
    """
    ALTER TABLE jobs ADD COLUMN owner TEXT;
    ALTER TABLE jobs ADD COLUMN lease_until REAL;
    CREATE INDEX jobs_leases ON jobs(lease_until)
        WHERE state IN ('queued', 'submitting', 'running', 'ready') OR (state = 'failed' AND notified = 0)
    """,
    # 7: result messages and the jobs they show, so that a Telegram reply to a result can
    # re-run that job. Self-contained: it touches no other table.
    """
    CREATE TABLE posts (
        platform   TEXT NOT NULL,
        chat_id    TEXT NOT NULL,
        message_id TEXT NOT NULL,
        job_id     TEXT NOT NULL,
        at         REAL NOT NULL,
        PRIMARY KEY (platform, chat_id, message_id)
    ) WITHOUT ROWID;
    CREATE INDEX posts_by_age ON posts(at)
    """,
    # 8: the member's language with each job, so notices sent later (progress, result,
    # failure) are in it; NULL for older jobs (the default language)
    """
    ALTER TABLE jobs ADD COLUMN language TEXT
    """,
    # 9: final status texts promised but not yet shown (bot.store.statuses), so that one still
    # waiting out an outage when the process dies is shown after the restart
    """
    CREATE TABLE pending_statuses (
        platform   TEXT NOT NULL,
        chat_id    TEXT NOT NULL,
        message_id TEXT NOT NULL,
        text       TEXT NOT NULL,
        until      REAL NOT NULL,
        PRIMARY KEY (platform, chat_id, message_id)
    ) WITHOUT ROWID
    """,
    # 10: what 302.AI charges (cost_mptc, thousandths of a PTC) apart from what a member pays
    # (price, credits; the column `cost` until now). Jobs from before get the cost their price
    # stood for (1 credit = 0.1 PTC = 100 mPTC), and the operator's spend and the bot-wide
    # holds, which counted those credits, are counted in mPTC from here on.
    """
    ALTER TABLE jobs RENAME COLUMN cost TO price;
    ALTER TABLE jobs ADD COLUMN cost_mptc INTEGER NOT NULL DEFAULT 0;
    UPDATE jobs SET cost_mptc = price * 100;
    UPDATE ledger SET amount = amount * 100 WHERE entry IN ('spend', 'spend_unconfirmed');
    UPDATE usage SET spent = spent * 100 WHERE scope IN ('spend', 'bot')
    """,
    # 11: one door for platform events. An inbox row is claimed by one receiver before it is
    # handled (several receivers may share a store), waits out its backoff behind that claim
    # after a failure, and is parked (the admins told) after too many; an admin action is
    # keyed on the event that asked for it, so an event handled twice acts once
    """
    ALTER TABLE inbox ADD COLUMN claimed_by TEXT;
    ALTER TABLE inbox ADD COLUMN claimed_until REAL;
    ALTER TABLE inbox ADD COLUMN parked_at REAL;
    ALTER TABLE audit ADD COLUMN event_key TEXT;
    CREATE UNIQUE INDEX audit_by_event ON audit(event_key) WHERE event_key IS NOT NULL
    """,
    # 12: blocked words of each chat/server (the operator's own are a file), and the prompts
    # refused for containing one, for the operator (`event_key`: one row per platform event)
    """
    CREATE TABLE chat_words (
        chat_key TEXT NOT NULL,
        entry    TEXT NOT NULL,
        actor    TEXT NOT NULL,
        at       REAL NOT NULL,
        PRIMARY KEY (chat_key, entry)
    ) WITHOUT ROWID;
    CREATE TABLE blocked_prompts (
        id        INTEGER PRIMARY KEY,
        event_key TEXT UNIQUE,
        at        REAL NOT NULL,
        scope     TEXT NOT NULL,
        user_key  TEXT NOT NULL,
        user_name TEXT NOT NULL DEFAULT '',
        chat_key  TEXT,
        command   TEXT NOT NULL,
        prompt    TEXT NOT NULL,
        entry     TEXT NOT NULL
    );
    CREATE INDEX blocked_prompts_by_time ON blocked_prompts(at)
    """,
    # 13: 302.AI's list of unified video models as last read (one row), shared by every
    # process and kept across a restart that cannot reach 302.AI
    """
    CREATE TABLE video_catalog (
        id         INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
        models     TEXT NOT NULL,
        fetched_at REAL NOT NULL
    )
    """,
    # 14: the secret that makes each job's callback path unguessable (bot.callbacks): one
    # row, made once by the first process that needs it and shared by every worker
    """
    CREATE TABLE callback_secret (
        id     INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
        secret TEXT NOT NULL
    )
    """,
    # 15: the operator's web console (adapters/web): one-time login links and sessions,
    # stored so that every process on the database shares them (only hashes of the secrets),
    # and the indexes its pages need on a big database (bench/console_bench.py)
    """
    CREATE TABLE console_links (
        token_hash TEXT PRIMARY KEY,
        actor      TEXT NOT NULL,
        language   TEXT NOT NULL DEFAULT 'en',
        created_at REAL NOT NULL,
        used_at    REAL
    );
    CREATE TABLE console_sessions (
        session_hash TEXT PRIMARY KEY,
        actor        TEXT NOT NULL,
        language     TEXT NOT NULL DEFAULT 'en',
        csrf         TEXT NOT NULL,
        created_at   REAL NOT NULL,
        seen_at      REAL NOT NULL
    );
    CREATE INDEX jobs_by_time ON jobs(created_at);
    CREATE INDEX jobs_by_finish ON jobs(finished_at, state, model, created_at) WHERE finished_at IS NOT NULL;
    CREATE INDEX jobs_by_chat ON jobs(chat_id, created_at);
    CREATE INDEX jobs_by_state ON jobs(state, created_at) WHERE state != 'delivered';
    CREATE INDEX users_by_id ON users(user_id);
    CREATE INDEX users_by_last_seen ON users(last_seen);
    CREATE INDEX ledger_unconfirmed ON ledger(id) WHERE entry = 'spend_unconfirmed';
    CREATE INDEX ledger_by_user ON ledger(user_key, at);
    CREATE INDEX users_by_name ON users(lower(name));
    CREATE INDEX audit_by_target ON audit(target);
    CREATE INDEX payments_by_time ON payments(at)
    """,
    # 16: what each chat's (Telegram chat, Discord server) own admins set for it, within the
    # operator's bounds (bot.chats): its daily budget and per-member limit (NULL: the
    # operator's), the commands and model patterns on there (NULL / '': all), progress shown
    """
    CREATE TABLE chat_settings (
        chat_key      TEXT PRIMARY KEY,
        daily_credits INTEGER,
        member_daily  INTEGER,
        commands      TEXT,
        models        TEXT NOT NULL DEFAULT '',
        progress      INTEGER NOT NULL DEFAULT 1,
        actor         TEXT NOT NULL,
        at            REAL NOT NULL
    ) WITHOUT ROWID
    """,
    # 17: for the operator's console (adapters/web): each chat's and server's title as its
    # platform last showed it (the pages name chats, not only ids); the models an operator
    # switched off for new requests (bot.catalog.switches; read with the policy snapshot, so
    # every process sees it at once); and cancelled jobs found by an index of their own, for
    # the overview's jobs per hour by outcome
    """
    CREATE TABLE chat_titles (
        chat_key TEXT PRIMARY KEY,
        title    TEXT NOT NULL,
        seen_at  REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE models_off (
        model TEXT PRIMARY KEY,
        actor TEXT NOT NULL,
        at    REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX jobs_cancelled ON jobs(finished_at) WHERE failure = 'cancelled by you'
    """,
    # 18: a job's inputs besides its first image (the last frame, a video to restyle), so that
    # a restart, a retry after 302.AI proved it did not take the call, a re-roll and an edit
    # send them again; `inputs` on the job names them, so a re-roll whose inputs retention
    # removed is refused instead of sent without them
    """
    CREATE TABLE job_inputs (
        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        role   TEXT NOT NULL,
        mime   TEXT NOT NULL,
        data   BLOB NOT NULL,
        PRIMARY KEY (job_id, role)
    );
    ALTER TABLE jobs ADD COLUMN inputs TEXT NOT NULL DEFAULT ''
    """,
    # 19: every picture of an asynchronous image answer that named several (JSON list; NULL
    # for one result, as for every job before), so that a restart delivers them all as one album
    """
    ALTER TABLE jobs ADD COLUMN result_urls TEXT
    """,
]

_POSTGRES_ONLY: dict[int, str] = {}
_POSTGRES_TYPES = [
    (re.compile(r"\b(\w+)\s+INTEGER PRIMARY KEY\b"), r"\1 BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    (re.compile(r"\)\s*WITHOUT ROWID"), ")"),
]


def postgres_migrations() -> list[str]:
    scripts = []
    for number, script in enumerate(MIGRATIONS, start=1):
        if number in _POSTGRES_ONLY:
            scripts.append(_POSTGRES_ONLY[number])
            continue
        for pattern, replacement in _POSTGRES_TYPES:
            script = pattern.sub(replacement, script)
        scripts.append(script)
    return scripts
