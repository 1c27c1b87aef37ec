//! Issue titles and bodies from templates: built in, overridable by files in
//! `.tandem/templates/` beside `tandem.toml`.

use crate::error::{EngineError, Result};
use minijinja::Environment;
use std::path::Path;

const BUILTIN: &[(&str, &str)] = &[
    ("parent-title.j2", include_str!("templates/parent-title.j2")),
    ("parent.md.j2", include_str!("templates/parent.md.j2")),
    ("child-title.j2", include_str!("templates/child-title.j2")),
    ("child.md.j2", include_str!("templates/child.md.j2")),
    ("integration-title.j2", include_str!("templates/integration-title.j2")),
    ("integration.md.j2", include_str!("templates/integration.md.j2")),
];

/// The names of the built-in templates, for documentation and `tandem init`.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(n, _)| *n)
}

/// The text of a built-in template.
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

#[derive(Clone)]
pub struct Templates {
    env: Environment<'static>,
    /// Names overridden by the user, for `tandem` to say which templates are in effect.
    pub overridden: Vec<String>,
}

fn template_error(name: &str, e: minijinja::Error) -> EngineError {
    let line = e.line().map(|l| format!(" (line {l})")).unwrap_or_default();
    let mut message = format!("{}{line}", e.kind());
    if let Some(d) = e.detail() {
        message.push_str(": ");
        message.push_str(d);
    }
    EngineError::Template { name: name.to_string(), message }
}

impl Templates {
    /// Built-in templates, overridden by every `*.j2` file in `dir` (when it exists).
    pub fn load(dir: Option<&Path>) -> Result<Templates> {
        let mut env = Environment::new();
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| template_error("(syntax)", e))?;
        env.set_syntax(syntax);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        for (name, text) in BUILTIN {
            env.add_template(name, text).map_err(|e| template_error(name, e))?;
        }
        let mut overridden = Vec::new();
        if let Some(dir) = dir.filter(|d| d.is_dir()) {
            let entries =
                std::fs::read_dir(dir).map_err(|source| EngineError::Io { path: dir.to_path_buf(), source })?;
            let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
            files.sort();
            for path in files {
                let Some(name) = path.file_name().and_then(|n| n.to_str()).filter(|n| n.ends_with(".j2")) else {
                    continue;
                };
                let text =
                    std::fs::read_to_string(&path).map_err(|source| EngineError::Io { path: path.clone(), source })?;
                let shown = path.display().to_string();
                env.add_template_owned(name.to_string(), text).map_err(|e| template_error(&shown, e))?;
                overridden.push(name.to_string());
            }
        }
        Ok(Templates { env, overridden })
    }

    /// Renders the first of `names` that exists.
    pub fn render(&self, names: &[String], ctx: &minijinja::Value) -> Result<String> {
        let name = names
            .iter()
            .find(|n| self.env.get_template(n).is_ok())
            .ok_or_else(|| EngineError::Template { name: names.join(" | "), message: "no such template".into() })?;
        let tmpl = self.env.get_template(name).map_err(|e| template_error(name, e))?;
        tmpl.render(ctx).map_err(|e| template_error(name, e))
    }

    /// Renders a one-line template (titles): trimmed, newlines folded.
    pub fn render_line(&self, name: &str, ctx: &minijinja::Value) -> Result<String> {
        let s = self.render(&[name.to_string()], ctx)?;
        Ok(s.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}
