//! RFC 9457 problem details: the one place where errors become HTTP statuses.
//!
//! Every error the API answers is a [`Problem`] (`application/problem+json`): a stable `type`,
//! a `title`, the `status`, a `detail` saying what was wrong, and where one input is to blame,
//! the `field` and (for closed vocabularies) its valid `choices`. Refusals by the rules are 409
//! with the engine's reason and what would let the request through (`needs`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;
use tandem_engine::EngineError;
use tandem_model::Needs;

/// An error answered as problem details; boxed, so that results carrying it stay small.
#[derive(Debug, Clone)]
pub struct Problem(Box<ProblemDetails>);

impl std::ops::Deref for Problem {
    type Target = ProblemDetails;
    fn deref(&self) -> &ProblemDetails {
        &self.0
    }
}

impl std::ops::DerefMut for Problem {
    fn deref_mut(&mut self) -> &mut ProblemDetails {
        &mut self.0
    }
}

/// An RFC 9457 problem details object.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(rename = "Problem")]
pub struct ProblemDetails {
    /// A URI naming the kind of problem, e.g. `urn:tandem:problem:invalid-input`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What was wrong with this request and how to fix it.
    pub detail: String,
    /// The input (body field, path or query parameter) to blame, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The valid values of `field`, when it takes one of a closed set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<String>>,
    /// For a refusal: what would let the request through, `reason` or `force`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Problem {
        Problem(Box::new(ProblemDetails {
            kind: format!("urn:tandem:problem:{kind}"),
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
            choices: None,
            needs: None,
        }))
    }

    /// 400: one input is malformed or names nothing known.
    pub fn invalid(field: &str, detail: impl Into<String>) -> Problem {
        let mut p = Problem::new(StatusCode::BAD_REQUEST, "invalid-input", "Invalid input", detail);
        p.field = Some(field.into());
        p
    }

    /// 400 for a value outside a closed set, listing the set.
    pub fn choice(field: &str, e: &tandem_model::UnknownValue) -> Problem {
        let mut p = Problem::invalid(field, e.to_string());
        p.choices = Some(e.choices.iter().map(|c| c.to_string()).collect());
        p
    }

    pub fn with_choices(mut self, choices: impl IntoIterator<Item = impl Into<String>>) -> Problem {
        self.choices = Some(choices.into_iter().map(Into::into).collect());
        self
    }

    pub fn unauthorized(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized", detail)
    }

    pub fn internal(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", detail)
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<EngineError> for Problem {
    fn from(e: EngineError) -> Problem {
        match e {
            EngineError::Refused(r) => {
                let mut p = Problem::new(StatusCode::CONFLICT, "refused", "Refused by the rules", r.message.clone());
                p.needs = r.needs.map(|n| match n {
                    Needs::Reason => "reason".to_string(),
                    Needs::Force => "force".to_string(),
                });
                p.field = p.needs.clone();
                p
            }
            EngineError::Input { input, message } => Problem::invalid(tandem_mcp::wire::input_name(input), message),
            EngineError::NoCoordination(id) => {
                let mut p = Problem::new(
                    StatusCode::NOT_FOUND,
                    "not-found",
                    "No such coordination",
                    format!("no coordination #{id}"),
                );
                p.field = Some("id".into());
                p
            }
            EngineError::Invalid(m) => Problem::new(StatusCode::BAD_REQUEST, "invalid-input", "Invalid input", m),
            EngineError::Forge(e) => {
                tracing::warn!(error = %e, "the forge failed");
                Problem::new(StatusCode::BAD_GATEWAY, "forge", "The issue tracker failed", e.to_string())
            }
            e => {
                tracing::error!(error = %e, "the engine failed");
                Problem::internal(e.to_string())
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&*self.0).unwrap_or_else(|_| b"{}".to_vec());
        let mut r = (status, body).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}
