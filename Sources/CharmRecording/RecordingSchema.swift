import GRDB

/// The recording database's tables, versioned as GRDB migrations (docs/recording.md is the
/// reference users read; keep the two in step).
///
/// `events` is the truth: every change the engine applied, in its order, enough to replay
/// the session's model exactly. `runs`, `tool_calls`, `llm_calls` and `errors` are derived
/// from it by the writer as it goes, so `charm-monitor query` and `diff` work in plain SQL.
/// `search` is an FTS5 index over tool inputs and outputs, each run's token text, LLM
/// messages and errors (words, matched by prefix; the search falls back to substrings).
/// Times are integers, microseconds since the Unix epoch (`*_us`),
/// except the session's own `started_at`/`ended_at`, which are RFC 3339 text too.
package enum RecordingSchema {
    /// The migrations, oldest first. A database written by a newer version (a migration this
    /// one does not know) is refused rather than written to.
    package static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE sessions (
                    id INTEGER PRIMARY KEY,
                    started_at TEXT NOT NULL,
                    started_us INTEGER NOT NULL,
                    ended_at TEXT,
                    ended_us INTEGER,
                    command TEXT NOT NULL,
                    sources TEXT NOT NULL DEFAULT '',
                    events INTEGER NOT NULL DEFAULT 0,
                    runs INTEGER NOT NULL DEFAULT 0,
                    tool_calls INTEGER NOT NULL DEFAULT 0,
                    llm_calls INTEGER NOT NULL DEFAULT 0,
                    errors INTEGER NOT NULL DEFAULT 0,
                    lost INTEGER NOT NULL DEFAULT 0,
                    first_event_id INTEGER,
                    last_event_id INTEGER,
                    limits TEXT NOT NULL,
                    prices TEXT,
                    exporters TEXT
                );
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY,
                    session_id INTEGER NOT NULL,
                    at_us INTEGER NOT NULL,
                    source TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    n INTEGER NOT NULL DEFAULT 1,
                    type TEXT,
                    run_id TEXT,
                    data TEXT,
                    meta TEXT
                );
                CREATE TABLE runs (
                    session_id INTEGER NOT NULL,
                    run_id TEXT NOT NULL,
                    parent_run_id TEXT,
                    name TEXT,
                    source TEXT NOT NULL,
                    status TEXT NOT NULL,
                    started_us INTEGER NOT NULL,
                    ended_us INTEGER,
                    duration_ms REAL,
                    tokens INTEGER NOT NULL,
                    input_tokens INTEGER,
                    output_tokens INTEGER,
                    cost_usd REAL,
                    tool_calls INTEGER NOT NULL,
                    llm_calls INTEGER NOT NULL,
                    errors INTEGER NOT NULL,
                    PRIMARY KEY (session_id, run_id)
                );
                CREATE TABLE tool_calls (
                    id INTEGER PRIMARY KEY,
                    session_id INTEGER NOT NULL,
                    run_id TEXT NOT NULL,
                    ordinal INTEGER NOT NULL,
                    call_id TEXT NOT NULL,
                    tool_name TEXT NOT NULL,
                    status TEXT NOT NULL,
                    input TEXT NOT NULL,
                    output TEXT,
                    error TEXT,
                    started_us INTEGER NOT NULL,
                    ended_us INTEGER,
                    duration_ms REAL,
                    UNIQUE (session_id, run_id, ordinal)
                );
                CREATE TABLE llm_calls (
                    id INTEGER PRIMARY KEY,
                    session_id INTEGER NOT NULL,
                    run_id TEXT NOT NULL,
                    ordinal INTEGER NOT NULL,
                    call_id TEXT NOT NULL,
                    model TEXT,
                    provider TEXT,
                    operation TEXT,
                    status TEXT NOT NULL,
                    input_tokens INTEGER,
                    output_tokens INTEGER,
                    cost_usd REAL,
                    started_us INTEGER NOT NULL,
                    ended_us INTEGER NOT NULL,
                    duration_ms REAL NOT NULL,
                    input_messages TEXT,
                    output_messages TEXT,
                    error TEXT,
                    UNIQUE (session_id, run_id, ordinal)
                );
                CREATE TABLE errors (
                    id INTEGER PRIMARY KEY,
                    session_id INTEGER NOT NULL,
                    at_us INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    source TEXT,
                    run_id TEXT,
                    call_id TEXT,
                    message TEXT NOT NULL
                );
                CREATE INDEX errors_session ON errors(session_id);
                CREATE VIRTUAL TABLE search USING fts5(
                    body, session_id UNINDEXED, run_id UNINDEXED, call_id UNINDEXED, kind UNINDEXED,
                    first_ordinal UNINDEXED, last_ordinal UNINDEXED,
                    tokenize = 'unicode61 remove_diacritics 2'
                );
                """)
        }
        // Liveness, so one monitor's pruning never deletes another's live session: the
        // writer's pid, and a heartbeat updated with every commit (and while idle).
        m.registerMigration("v2") { db in
            try db.execute(sql: "ALTER TABLE sessions ADD COLUMN heartbeat_us INTEGER")
            try db.execute(sql: "ALTER TABLE sessions ADD COLUMN pid INTEGER")
        }
        return m
    }

    /// The tables users may read (`charm-monitor query`), in the order docs/recording.md lists them.
    package static let documentedTables = ["sessions", "runs", "tool_calls", "llm_calls", "events", "errors", "search"]
}
