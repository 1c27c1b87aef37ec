//! CONFIG_PARSE
//!
//! ## What it does
//! Reports a configuration file (JSON Schema, env file, compose file or declared config) that
//! cannot be read: not UTF-8, invalid JSON/YAML/TOML, a line of an env file that is not
//! `KEY=value`, a `$ref` that points at nothing or only at itself. The file is not compared.
//!
//! ## Why it breaks consumers
//! Whatever reads the file fails the same way, and tandem cannot tell what else changed in it.
//!
//! ## Example
//! `current.schema.json` ends in the middle of an object: "The current revision could not be
//! read as a JSON Schema: EOF while parsing an object."

super::rule!(
    "CONFIG_PARSE",
    Warning,
    "Reports a configuration file that cannot be read (invalid JSON/YAML/TOML, binary content, unresolvable $ref).",
    "Consumers reading the file fail too, and no other change in it can be checked.",
    super::Check::Parse
);
