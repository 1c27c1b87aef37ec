-- The service layer: webhook deliveries, comments on local issues, named state.

CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT NOT NULL,
    lease_owner     TEXT,
    lease_until     TEXT,
    finished_at     TEXT,
    outcome         TEXT
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);

CREATE TABLE issue_comments (
    id      INTEGER PRIMARY KEY,
    repo    TEXT NOT NULL,
    number  INTEGER NOT NULL,
    author  TEXT NOT NULL,
    body    TEXT NOT NULL,
    at      TEXT NOT NULL,
    FOREIGN KEY (repo, number) REFERENCES issues (repo, number)
);
CREATE INDEX issue_comments_issue ON issue_comments (repo, number, id);

CREATE TABLE state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
