//! The MCP handler: lists the tool table and runs a call on a blocking thread (the engine is
//! synchronous), turning every failure into a tool error.

use crate::tools::{self, ToolDef};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use std::sync::Arc;
use tandem_engine::Engine;

/// tandem's MCP server: one engine, one tool table, shared by every session.
#[derive(Clone)]
pub struct TandemMcp {
    engine: Arc<Engine>,
    tools: Arc<Vec<ToolDef>>,
}

const INSTRUCTIONS: &str = "tandem coordinates changes that span many git repositories. Start with \
get_dependency_graph or list_coordinations; plan with generate_coordination_workflow; open work with \
create_coordination_issue; follow it with get_coordination_progress and sync_coordination_status.";

impl TandemMcp {
    pub fn new(engine: Arc<Engine>) -> Self {
        TandemMcp { engine, tools: Arc::new(tools::all()) }
    }

    /// The tools this server offers.
    pub fn tools(&self) -> Vec<Tool> {
        self.tools.iter().map(|t| t.tool.clone()).collect()
    }

    /// Runs one tool call to completion (blocking): the result a client sees.
    pub fn call_blocking(
        &self,
        name: &str,
        args: Option<serde_json::Map<String, serde_json::Value>>,
    ) -> CallToolResult {
        let Some(def) = self.tools.iter().find(|t| t.tool.name == name) else {
            let names: Vec<&str> = self.tools.iter().map(|t| t.tool.name.as_ref()).collect();
            return error_result(format!("unknown tool '{name}'; tools: {}", names.join(", ")));
        };
        let _span = tracing::info_span!("tool", name).entered();
        match (def.run)(&self.engine, args.unwrap_or_default()) {
            Ok(reply) => {
                let json = reply.value.to_string();
                let mut r = CallToolResult::structured(reply.value);
                r.content = vec![ContentBlock::text(reply.summary), ContentBlock::text(json)];
                r
            }
            Err(e) => {
                let message = e.message(&self.engine);
                tracing::info!(%message, "tool error");
                error_result(message)
            }
        }
    }
}

fn error_result(message: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

impl ServerHandler for TandemMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("tandem", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.tool.name == name).map(|t| t.tool.clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let this = self.clone();
        let name = request.name.to_string();
        let result = tokio::task::spawn_blocking(move || this.call_blocking(&name, request.arguments))
            .await
            .unwrap_or_else(|e| error_result(format!("internal error: the tool stopped unexpectedly ({e})")));
        Ok(result.into())
    }
}
