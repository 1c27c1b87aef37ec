//! GitHub's sub-issues: every child issue is a sub-issue of its parent, so GitHub shows the
//! parent's progress and each child's parent natively (besides the links in the bodies).

use super::client::{Method, Retry};
use super::GithubForge;
use crate::{ForgeError, Result};
use serde_json::{json, Value};
use std::collections::HashSet;
use tandem_model::IssueRef;

impl GithubForge {
    /// The ids of `parent`'s sub-issues, listed once per run.
    fn sub_issue_ids(&self, parent: &IssueRef, fresh: bool) -> Result<HashSet<u64>> {
        if !fresh {
            if let Some(s) = self.lock().subs.get(parent) {
                return Ok(s.clone());
            }
        }
        let path = format!("{}/sub_issues?per_page=100", self.issue_path(parent)?);
        let ids: HashSet<u64> =
            self.client.get_all(&path)?.iter().filter_map(|v| v.get("id").and_then(Value::as_u64)).collect();
        self.lock().subs.insert(parent.clone(), ids.clone());
        Ok(ids)
    }

    /// Makes `child` (whose JSON is `child_json`) a sub-issue of `parent` unless it is one.
    /// A child GitHub will not take (another owner's repository, the parent's sub-issue limit)
    /// is reported and left linked by its body only.
    pub(super) fn ensure_sub_issue(&self, parent: &IssueRef, child: &IssueRef, child_json: &Value) -> Result<()> {
        let Some(id) = child_json.get("id").and_then(Value::as_u64) else {
            return Err(ForgeError::Http(format!("GitHub gave {child} no id")));
        };
        if self.sub_issue_ids(parent, false)?.contains(&id) {
            return Ok(());
        }
        let owner = |r: &IssueRef| self.slug(&r.repo).map(|s| s.split('/').next().unwrap_or_default().to_string());
        if owner(parent)? != owner(child)? {
            (self.notify)(&format!(
                "GitHub: {child} is in another owner's repository than {parent}; linked by their bodies only \
                 (GitHub's sub-issues stay within one owner)"
            ));
            return Ok(());
        }
        let path = format!("{}/sub_issues", self.issue_path(parent)?);
        // Adding a sub-issue twice cannot make two: the request may be sent again.
        match self.client.send(Method::Post, &path, Some(&json!({ "sub_issue_id": id })), None, Retry::Idempotent) {
            Ok(_) => {}
            Err(ForgeError::Http(m)) if m.contains(" 422") => {
                if !self.sub_issue_ids(parent, true)?.contains(&id) {
                    (self.notify)(&format!("GitHub did not take {child} as a sub-issue of {parent} ({m})"));
                    return Ok(());
                }
            }
            Err(e) => return Err(e),
        }
        self.lock().subs.entry(parent.clone()).or_default().insert(id);
        Ok(())
    }
}
