//! The OpenAPI rules, one per file, and the table of all of them.

pub(crate) mod prelude;

pub mod openapi_parse;
mod operation_added;
mod operation_no_delete;
mod parameter_added_optional;
mod parameter_no_add_required;
mod parameter_no_delete;
mod parameter_same_location;
mod parameter_same_type;
mod path_no_delete;
mod request_body_no_newly_required;
mod request_enum_no_delete;
mod request_property_no_newly_required;
mod request_property_same_type;
mod response_enum_no_add;
mod response_property_no_delete;
mod response_property_same_type;
mod response_status_no_delete;
mod security_no_tighten;

use super::framework::Rule;

/// Every rule, in ID order. IDs are API: deprecate with a replacement, never delete.
pub static ALL: &[&Rule] = &[
    &openapi_parse::RULE,
    &operation_added::RULE,
    &operation_no_delete::RULE,
    &parameter_added_optional::RULE,
    &parameter_no_add_required::RULE,
    &parameter_no_delete::RULE,
    &parameter_same_location::RULE,
    &parameter_same_type::RULE,
    &path_no_delete::RULE,
    &request_body_no_newly_required::RULE,
    &request_enum_no_delete::RULE,
    &request_property_no_newly_required::RULE,
    &request_property_same_type::RULE,
    &response_enum_no_add::RULE,
    &response_property_no_delete::RULE,
    &response_property_same_type::RULE,
    &response_status_no_delete::RULE,
    &security_no_tighten::RULE,
];
