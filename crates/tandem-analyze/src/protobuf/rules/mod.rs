//! The protobuf rules, one per file, and the table of all of them. IDs and categories are
//! those of `buf breaking` (buf 1.75, configuration v2).

pub(crate) mod prelude;

mod enum_no_delete;
mod enum_same_json_format;
mod enum_same_type;
mod enum_value_no_delete;
mod enum_value_no_delete_unless_name_reserved;
mod enum_value_no_delete_unless_number_reserved;
mod enum_value_same_name;
mod extension_message_no_delete;
mod extension_no_delete;
mod field_no_delete;
mod field_no_delete_unless_name_reserved;
mod field_no_delete_unless_number_reserved;
mod field_same_cardinality;
mod field_same_cpp_string_type;
mod field_same_default;
mod field_same_java_utf8_validation;
mod field_same_json_name;
mod field_same_jstype;
mod field_same_name;
mod field_same_oneof;
mod field_same_type;
mod field_same_utf8_validation;
mod field_wire_compatible_cardinality;
mod field_wire_compatible_type;
mod field_wire_json_compatible_cardinality;
mod field_wire_json_compatible_type;
mod file_no_delete;
mod file_same_cc_enable_arenas;
mod file_same_cc_generic_services;
mod file_same_csharp_namespace;
mod file_same_go_package;
mod file_same_java_generic_services;
mod file_same_java_multiple_files;
mod file_same_java_outer_classname;
mod file_same_java_package;
mod file_same_objc_class_prefix;
mod file_same_optimize_for;
mod file_same_package;
mod file_same_php_class_prefix;
mod file_same_php_metadata_namespace;
mod file_same_php_namespace;
mod file_same_py_generic_services;
mod file_same_ruby_package;
mod file_same_swift_prefix;
mod file_same_syntax;
mod message_no_delete;
mod message_no_remove_standard_descriptor_accessor;
mod message_same_json_format;
mod message_same_required_fields;
mod oneof_no_delete;
mod package_enum_no_delete;
mod package_extension_no_delete;
mod package_message_no_delete;
mod package_no_delete;
mod package_service_no_delete;
mod reserved_enum_no_delete;
mod reserved_message_no_delete;
mod rpc_no_delete;
mod rpc_same_client_streaming;
mod rpc_same_idempotency_level;
mod rpc_same_request_type;
mod rpc_same_response_type;
mod rpc_same_server_streaming;
mod service_no_delete;

use super::framework::Rule;

/// Every rule, in ID order. IDs are API: deprecate with a replacement, never delete.
pub static ALL: &[&Rule] = &[
    &enum_no_delete::RULE,
    &enum_same_json_format::RULE,
    &enum_same_type::RULE,
    &enum_value_no_delete::RULE,
    &enum_value_no_delete_unless_name_reserved::RULE,
    &enum_value_no_delete_unless_number_reserved::RULE,
    &enum_value_same_name::RULE,
    &extension_message_no_delete::RULE,
    &extension_no_delete::RULE,
    &field_no_delete::RULE,
    &field_no_delete_unless_name_reserved::RULE,
    &field_no_delete_unless_number_reserved::RULE,
    &field_same_cardinality::RULE,
    &field_same_cpp_string_type::RULE,
    &field_same_default::RULE,
    &field_same_java_utf8_validation::RULE,
    &field_same_json_name::RULE,
    &field_same_jstype::RULE,
    &field_same_name::RULE,
    &field_same_oneof::RULE,
    &field_same_type::RULE,
    &field_same_utf8_validation::RULE,
    &field_wire_compatible_cardinality::RULE,
    &field_wire_compatible_type::RULE,
    &field_wire_json_compatible_cardinality::RULE,
    &field_wire_json_compatible_type::RULE,
    &file_no_delete::RULE,
    &file_same_cc_enable_arenas::RULE,
    &file_same_cc_generic_services::RULE,
    &file_same_csharp_namespace::RULE,
    &file_same_go_package::RULE,
    &file_same_java_generic_services::RULE,
    &file_same_java_multiple_files::RULE,
    &file_same_java_outer_classname::RULE,
    &file_same_java_package::RULE,
    &file_same_objc_class_prefix::RULE,
    &file_same_optimize_for::RULE,
    &file_same_package::RULE,
    &file_same_php_class_prefix::RULE,
    &file_same_php_metadata_namespace::RULE,
    &file_same_php_namespace::RULE,
    &file_same_py_generic_services::RULE,
    &file_same_ruby_package::RULE,
    &file_same_swift_prefix::RULE,
    &file_same_syntax::RULE,
    &message_no_delete::RULE,
    &message_no_remove_standard_descriptor_accessor::RULE,
    &message_same_json_format::RULE,
    &message_same_required_fields::RULE,
    &oneof_no_delete::RULE,
    &package_enum_no_delete::RULE,
    &package_extension_no_delete::RULE,
    &package_message_no_delete::RULE,
    &package_no_delete::RULE,
    &package_service_no_delete::RULE,
    &reserved_enum_no_delete::RULE,
    &reserved_message_no_delete::RULE,
    &rpc_no_delete::RULE,
    &rpc_same_client_streaming::RULE,
    &rpc_same_idempotency_level::RULE,
    &rpc_same_request_type::RULE,
    &rpc_same_response_type::RULE,
    &rpc_same_server_streaming::RULE,
    &service_no_delete::RULE,
];

/// Looks a rule up by its ID.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}
