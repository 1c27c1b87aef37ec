-- Schema 2: a webhook about an issue finds its coordination by the issue, not by reading them all.
CREATE INDEX coordinations_by_issue ON coordinations (issue);
CREATE INDEX coordinations_by_integration_issue ON coordinations (integration_issue);
CREATE INDEX children_by_issue ON children (issue);
