-- tandem schema 2: recorded analyses, so health monitoring can find breaking changes that no
-- coordination covers.
CREATE TABLE analyses (
    id        INTEGER PRIMARY KEY,
    repo      TEXT,
    base      TEXT NOT NULL,
    head      TEXT NOT NULL,
    at        TEXT NOT NULL,
    impact    TEXT NOT NULL,
    breaking  INTEGER NOT NULL,
    findings  TEXT NOT NULL,
    consumers TEXT NOT NULL,
    coord_id  INTEGER REFERENCES coordinations(id) ON DELETE RESTRICT
);
CREATE INDEX analyses_by_repo_head ON analyses (repo, head);
