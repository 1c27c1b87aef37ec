//! OPENAPI_PARSE
//!
//! ## What it does
//! Reports an OpenAPI document that could not be read: invalid YAML or JSON, a document that is
//! not OpenAPI 3.x, or a local `$ref` that names nothing or only leads to references in a
//! cycle. A revision that cannot be parsed is not compared; a broken `$ref` is reported and the
//! rest of the document is still compared (the reference compares as an unknown schema).
//!
//! Severity: breaking for the current revision (code generators and validators fail on it),
//! warning for the previous one (nothing was compared, but the change itself fixes it).
//!
//! ## Why it breaks consumers
//! Clients generated from the document, request validators and documentation sites all reject
//! a document that does not parse or whose references dangle.
//!
//! ## Example
//! `$ref: '#/components/schemas/Usr'` where only `User` exists.

use super::prelude::*;

rule!(
    "OPENAPI_PARSE",
    Breaking,
    "Checks that OpenAPI documents parse (YAML/JSON, OpenAPI 3.x) and that their local $refs resolve.",
    "Generated clients, validators and documentation tools reject a document that does not parse or whose references dangle.",
    Check::Input
);
