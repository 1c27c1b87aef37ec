-- tandem schema 1: coordinations with their children, the append-only history, and the
-- local forge's issues.
CREATE TABLE coordinations (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    change_type  TEXT NOT NULL,
    priority     TEXT NOT NULL,
    strategy     TEXT NOT NULL,
    status       TEXT NOT NULL,
    hold         TEXT,
    plan         TEXT,
    milestone    TEXT,
    source_repo  TEXT,
    home_repo    TEXT NOT NULL,
    issue        TEXT,
    integration  TEXT NOT NULL,
    integration_issue TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL
);

CREATE TABLE children (
    coord_id   INTEGER NOT NULL REFERENCES coordinations(id) ON DELETE RESTRICT,
    position   INTEGER NOT NULL,
    repo       TEXT NOT NULL,
    role       TEXT NOT NULL,
    weight     INTEGER NOT NULL,
    status     TEXT NOT NULL,
    hold       TEXT,
    after      TEXT NOT NULL,
    title      TEXT NOT NULL,
    checklist  TEXT NOT NULL,
    issue      TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (coord_id, repo)
);

CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    coord_id     INTEGER NOT NULL REFERENCES coordinations(id) ON DELETE RESTRICT,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_repo TEXT,
    action       TEXT NOT NULL,
    from_state   TEXT,
    to_state     TEXT,
    reason       TEXT
);
CREATE INDEX events_by_coordination ON events (coord_id, id);
CREATE INDEX events_by_time ON events (at);

-- The history is append-only.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE issues (
    id         INTEGER PRIMARY KEY,
    repo       TEXT NOT NULL,
    number     INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    coord_id   INTEGER REFERENCES coordinations(id) ON DELETE RESTRICT,
    marker     TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    state      TEXT NOT NULL,
    labels     TEXT NOT NULL,
    parent     TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (repo, number)
);
CREATE INDEX issues_by_coordination ON issues (coord_id);
