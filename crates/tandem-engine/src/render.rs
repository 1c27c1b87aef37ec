//! Views of the workspace graph shared by every front end: JSON, Graphviz DOT and Mermaid;
//! and `tandem init`'s manifests.

use crate::error::{EngineError, Input, Result};
use crate::Engine;
use serde::Serialize;
use std::path::{Path, PathBuf};
use tandem_model::{Role, Via, Workspace};

#[derive(Debug, Clone, Serialize)]
pub struct GraphRepo {
    pub name: String,
    pub role: Role,
    /// 1-based wave: repos of one wave may proceed in parallel once earlier waves are done.
    pub wave: usize,
    pub weight: u32,
    pub depends_on: Vec<GraphDep>,
    pub consumers: Vec<String>,
    pub transitive_consumers: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphDep {
    pub repo: String,
    pub via: Via,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphView {
    pub workspace: String,
    /// Providers before consumers.
    pub order: Vec<String>,
    pub waves: Vec<Vec<String>>,
    pub repos: Vec<GraphRepo>,
    pub edges: Vec<tandem_model::Edge>,
}

impl Engine {
    pub fn graph_view(&self) -> GraphView {
        graph_view(&self.ws)
    }
}

pub fn graph_view(ws: &Workspace) -> GraphView {
    let g = ws.graph();
    let names = |v: &[usize]| -> Vec<String> { v.iter().map(|&i| g.name(i).to_string()).collect() };
    let repos = g
        .order()
        .iter()
        .map(|&i| {
            let repo = &ws.repos[i];
            GraphRepo {
                name: repo.name.to_string(),
                role: repo.role,
                wave: g.wave_of(i) + 1,
                weight: repo.weight,
                depends_on: repo.depends_on.iter().map(|d| GraphDep { repo: d.repo.to_string(), via: d.via }).collect(),
                consumers: names(g.consumers_of(i)),
                transitive_consumers: names(&g.transitive_consumers(i)),
            }
        })
        .collect();
    GraphView {
        workspace: ws.name.clone(),
        order: names(g.order()),
        waves: g.waves().iter().map(|w| names(w)).collect(),
        repos,
        edges: g.edges(),
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", escape(s))
}

/// The text of a DOT string: backslashes and double quotes escaped.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Graphviz DOT: consumer -> provider, labelled with the dependency kind; one rank per wave.
pub fn to_dot(v: &GraphView) -> String {
    let mut out = format!("digraph {} {{\n  rankdir=BT;\n  node [shape=box, style=rounded];\n", quote(&v.workspace));
    for r in &v.repos {
        // `\n` inside a quoted DOT string is Graphviz's line break; the parts are quoted apart so
        // the escape itself is not escaped into a literal backslash.
        let label = format!("{}\\n{}", escape(&r.name), escape(&format!("({})", r.role)));
        out.push_str(&format!("  {} [label=\"{label}\"];\n", quote(&r.name)));
    }
    for w in &v.waves {
        let members: Vec<String> = w.iter().map(|n| quote(n)).collect();
        out.push_str(&format!("  {{ rank=same; {}; }}\n", members.join("; ")));
    }
    for e in &v.edges {
        out.push_str(&format!(
            "  {} -> {} [label={}];\n",
            quote(e.consumer.as_str()),
            quote(e.provider.as_str()),
            quote(e.via.as_str())
        ));
    }
    out.push_str("}\n");
    out
}

/// Mermaid flowchart: provider --> consumer (the direction work flows), labelled with the kind.
pub fn to_mermaid(v: &GraphView) -> String {
    let id = |s: &str| -> String { s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect() };
    let mut out = String::from("flowchart LR\n");
    for r in &v.repos {
        out.push_str(&format!("  {}[\"{} ({})\"]\n", id(&r.name), r.name, r.role));
    }
    for e in &v.edges {
        out.push_str(&format!("  {} -->|{}| {}\n", id(e.provider.as_str()), e.via, id(e.consumer.as_str())));
    }
    out
}

/// The manifests `tandem init` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Example {
    Starter,
    Loqa,
}

impl Example {
    pub fn parse(s: &str) -> Result<Example> {
        match s {
            "loqa" => Ok(Example::Loqa),
            "starter" => Ok(Example::Starter),
            other => Err(EngineError::Invalid(format!("unknown example '{other}'; expected one of: loqa, starter"))),
        }
    }

    pub fn manifest(self) -> &'static str {
        match self {
            Example::Starter => include_str!("examples/starter.toml"),
            Example::Loqa => include_str!("examples/loqa.toml"),
        }
    }
}

/// Writes `tandem.toml` into `dir` (created if needed). Refuses to overwrite unless `force`.
pub fn init_workspace(dir: &Path, example: Example, force: bool) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|source| EngineError::Io { path: dir.to_path_buf(), source })?;
    let path = dir.join(crate::MANIFEST);
    if path.exists() && !force {
        return Err(EngineError::input(Input::Overwrite, format!("{} already exists", path.display())));
    }
    // Validate before writing: what we write must load.
    Workspace::parse(example.manifest(), &path)?;
    let tmp = dir.join(".tandem.toml.tmp");
    std::fs::write(&tmp, example.manifest()).map_err(|source| EngineError::Io { path: tmp.clone(), source })?;
    std::fs::rename(&tmp, &path).map_err(|source| EngineError::Io { path: path.clone(), source })?;
    Ok(path)
}
