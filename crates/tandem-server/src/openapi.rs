//! The OpenAPI 3.1 description of `/api/v1`, generated from the wire types: every schema comes
//! from the Rust type a handler reads or answers (schemars, JSON Schema 2020-12, the dialect of
//! OpenAPI 3.1); the operation table below names those types, so a changed type changes the
//! document.

use crate::problem::ProblemDetails;
use crate::wire::*;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::JsonSchema;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// One parameter of an operation.
enum Param {
    /// `{id}`: a coordination number.
    Id,
    /// `{repo}`: a repository name.
    Repo,
    /// The properties of a query struct.
    Query(fn(&mut SchemaGenerator) -> Value),
}

struct Op {
    method: &'static str,
    path: &'static str,
    id: &'static str,
    summary: &'static str,
    params: Vec<Param>,
    body: Option<fn(&mut SchemaGenerator) -> Value>,
    /// The success status and its schema.
    ok: (&'static str, fn(&mut SchemaGenerator) -> Value),
    /// Also answers 200 with the same schema (an idempotent creation that found its key).
    also_200: bool,
    write: bool,
}

fn schema<T: JsonSchema>(g: &mut SchemaGenerator) -> Value {
    g.subschema_for::<T>().to_value()
}

fn read(
    path: &'static str,
    id: &'static str,
    summary: &'static str,
    params: Vec<Param>,
    ok: fn(&mut SchemaGenerator) -> Value,
) -> Op {
    Op { method: "get", path, id, summary, params, body: None, ok: ("200", ok), also_200: false, write: false }
}

fn write(
    path: &'static str,
    id: &'static str,
    summary: &'static str,
    params: Vec<Param>,
    body: fn(&mut SchemaGenerator) -> Value,
    ok: fn(&mut SchemaGenerator) -> Value,
) -> Op {
    Op { method: "post", path, id, summary, params, body: Some(body), ok: ("200", ok), also_200: false, write: true }
}

fn operations() -> Vec<Op> {
    use Param::*;
    vec![
        read(
            "/coordinations",
            "listCoordinations",
            "List coordinations, optionally filtered by effective status, change type, priority or openness.",
            vec![Query(schema::<ListQuery>)],
            schema::<ListOut>,
        ),
        Op {
            ok: ("201", schema::<CreatedOut>),
            also_200: true,
            ..write(
                "/coordinations",
                "createCoordination",
                "Open a coordination (idempotent by `key`: an existing one is answered with 200).",
                vec![],
                schema::<CreateCoordinationInput>,
                schema::<CreatedOut>,
            )
        },
        read(
            "/coordinations/{id}",
            "getCoordination",
            "One coordination in full.",
            vec![Id],
            schema::<CoordinationOut>,
        ),
        read(
            "/coordinations/{id}/progress",
            "getProgress",
            "Progress, critical path, blockers and deployment readiness.",
            vec![Id],
            schema::<ProgressOut>,
        ),
        read("/coordinations/{id}/history", "getHistory", "The append-only history.", vec![Id], schema::<HistoryOut>),
        write(
            "/coordinations/{id}/status",
            "setStatus",
            "Move the coordination to a new status; refusals by the rules are 409.",
            vec![Id],
            schema::<StatusInput>,
            schema::<ChangeOut>,
        ),
        write(
            "/coordinations/{id}/children/{repo}/status",
            "setChildStatus",
            "Move one child to a new status; refusals by the rules are 409.",
            vec![Id, Repo],
            schema::<ChildStatusInput>,
            schema::<ChangeOut>,
        ),
        write(
            "/coordinations/{id}/checklist",
            "checkItem",
            "Tick or untick a checklist item of a child or of the integration-testing issue.",
            vec![Id],
            schema::<CheckInput>,
            schema::<ChangeOut>,
        ),
        read(
            "/coordinations/{id}/plans/deploy",
            "getDeployPlan",
            "The deployment plan in waves, readiness, and the rollback plan.",
            vec![Id],
            schema::<DeploymentOut>,
        ),
        read(
            "/coordinations/{id}/plans/rollback",
            "getRollbackPlan",
            "The rollback plan.",
            vec![Id],
            schema::<RollbackOut>,
        ),
        read(
            "/coordinations/{id}/rollout",
            "getRollout",
            "Where the coordination's rollout stands: its steps, their state, the rollback.",
            vec![Id],
            schema::<RolloutOut>,
        ),
        Op {
            ok: ("202", schema::<RolloutOut>),
            also_200: true,
            ..write(
                "/coordinations/{id}/rollout",
                "runRollout",
                "Roll the coordination out in dependency order with its gates (202: started in the background), or with `dry_run` only say what would run (200). Refused (409) unless it is ready.",
                vec![Id],
                schema::<RolloutRunInput>,
                schema::<RolloutOut>,
            )
        },
        write(
            "/analysis",
            "analyze",
            "Analyze a change to a repository's contracts: findings, impact and who must follow (recorded).",
            vec![],
            schema::<AnalyzeInput>,
            schema::<AnalysisOut>,
        ),
        read(
            "/health",
            "checkHealth",
            "Run the health checks (stale, blocked, skew, drift, endpoints, unmanaged breaking changes).",
            vec![Query(schema::<HealthQuery>)],
            schema::<HealthOut>,
        ),
        read(
            "/metrics",
            "getMetrics",
            "Coordination metrics over a window of the history.",
            vec![Query(schema::<MetricsQuery>)],
            schema::<MetricsOut>,
        ),
        read(
            "/graph",
            "getGraph",
            "The dependency graph: order, waves, consumers.",
            vec![Query(schema::<GraphQuery>)],
            schema::<GraphOut>,
        ),
    ]
}

/// A query parameter's schema: the property's, without the `null` an `Option` adds.
fn without_null(mut v: Value) -> Value {
    if let Some(Value::Array(types)) = v.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let t = types[0].clone();
            v["type"] = t;
        }
    }
    if let Some(Value::Array(values)) = v.get_mut("enum") {
        values.retain(|x| !x.is_null());
    }
    if let Some(Value::Array(options)) = v.get_mut("anyOf") {
        options.retain(|o| o.get("type") != Some(&json!("null")));
        if options.len() == 1 {
            return options[0].clone();
        }
    }
    v
}

fn parameters(g: &mut SchemaGenerator, params: &[Param]) -> Vec<Value> {
    let mut out = Vec::new();
    for p in params {
        match p {
            Param::Id => out.push(json!({
                "name": "id", "in": "path", "required": true,
                "description": "The coordination's number.",
                "schema": { "type": "integer", "minimum": 1, "maximum": i64::MAX },
            })),
            Param::Repo => out.push(json!({
                "name": "repo", "in": "path", "required": true,
                "description": "The child's repository.",
                "schema": { "type": "string", "minLength": 1 },
            })),
            Param::Query(f) => {
                // Generated inline (not a $ref) so its properties can be read here.
                let mut inline = SchemaSettings::draft2020_12()
                    .for_deserialize()
                    .with(|s| s.inline_subschemas = true)
                    .into_generator();
                let _ = g;
                let s = f(&mut inline);
                if let Some(Value::Object(props)) = s.get("properties") {
                    for (name, prop) in props {
                        let description = prop.get("description").cloned().unwrap_or(json!(""));
                        let mut schema = without_null(prop.clone());
                        if let Value::Object(o) = &mut schema {
                            o.remove("description");
                            o.remove("default");
                        }
                        out.push(json!({
                            "name": name, "in": "query", "required": false,
                            "description": description, "schema": schema,
                        }));
                    }
                }
            }
        }
    }
    out
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } },
    })
}

/// The whole document.
pub fn document() -> Value {
    let mut g = SchemaSettings::draft2020_12()
        .for_deserialize()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    let _ = g.subschema_for::<ProblemDetails>();
    let mut paths = Map::new();
    for op in operations() {
        let mut responses = Map::new();
        let ok_schema = (op.ok.1)(&mut g);
        responses.insert(
            op.ok.0.into(),
            json!({ "description": "Success.", "content": { "application/json": { "schema": ok_schema.clone() } } }),
        );
        if op.id == "createCoordination" {
            // Lets clients (and schemathesis' stateful phase) follow a creation to its reads.
            let mut links = Map::new();
            for target in
                ["getCoordination", "getProgress", "getHistory", "getDeployPlan", "getRollbackPlan", "setStatus"]
            {
                links.insert(
                    target.into(),
                    json!({ "operationId": target, "parameters": { "id": "$response.body#/coordination/id" } }),
                );
            }
            responses[op.ok.0]["links"] = Value::Object(links);
        }
        if op.also_200 {
            responses.insert(
                "200".into(),
                json!({ "description": "Already exists (same key).", "content": { "application/json": { "schema": ok_schema } } }),
            );
        }
        responses.insert("400".into(), problem("Invalid input: `field` names it, `choices` lists the valid values."));
        responses.insert(
            "401".into(),
            problem("A bearer token is needed (writes; reads from other machines), or it is wrong."),
        );
        responses.insert("404".into(), problem("No such coordination."));
        if op.write {
            responses.insert(
                "409".into(),
                problem("Refused by the rules; `detail` says why, `needs` what would let it through."),
            );
            responses.insert("413".into(), problem("The body is too large."));
            responses.insert("415".into(), problem("The body is not JSON."));
        }
        responses.insert("502".into(), problem("The issue tracker failed."));
        let mut operation = json!({
            "operationId": op.id,
            "summary": op.summary,
            "parameters": parameters(&mut g, &op.params),
            "responses": responses,
        });
        if let Some(body) = op.body {
            operation["requestBody"] =
                json!({ "required": true, "content": { "application/json": { "schema": body(&mut g) } } });
        }
        operation["security"] = if op.write { json!([{ "bearer": [] }]) } else { json!([{}, { "bearer": [] }]) };
        let entry = paths.entry(format!("/api/v1{}", op.path)).or_insert_with(|| json!({}));
        entry[op.method] = operation;
    }
    let schemas = g.take_definitions(true);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "tandem API",
            "version": "1",
            "description": "Coordinate changes that span many repositories. Writes need `Authorization: Bearer <token>`; \
                            reads are open to loopback clients. Errors are RFC 9457 problem details.",
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
        },
    })
}

pub(crate) async fn serve() -> Response {
    static DOC: OnceLock<String> = OnceLock::new();
    let text = DOC.get_or_init(|| serde_json::to_string_pretty(&document()).unwrap_or_else(|_| "{}".into()));
    ([(header::CONTENT_TYPE, "application/json")], text.as_str()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves_and_every_route_is_described() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("\"#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "unresolved $ref {name}");
        }
        assert!(!text.contains("#/$defs/"), "a reference escaped the components");
        for p in [
            "/api/v1/coordinations",
            "/api/v1/coordinations/{id}/children/{repo}/status",
            "/api/v1/coordinations/{id}/rollout",
            "/api/v1/graph",
        ] {
            assert!(doc["paths"].get(p).is_some(), "{p} is not described");
        }
        assert_eq!(doc["paths"]["/api/v1/coordinations"]["post"]["security"], json!([{ "bearer": [] }]));
        let rollout = &doc["paths"]["/api/v1/coordinations/{id}/rollout"];
        assert!(rollout["get"].is_object() && rollout["post"]["responses"]["202"].is_object(), "{rollout}");
    }
}
