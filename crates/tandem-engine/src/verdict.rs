//! The overall verdict of a health report: the one place that decides which findings make the
//! workspace unhealthy, so every front end (CLI, MCP, the health issue) says the same.

use crate::health::{HealthReport, Level};
use serde::Serialize;

/// Healthy or not, as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No finding at [`HealthReport::UNHEALTHY_AT`] or above (info findings may remain).
    Healthy,
    /// At least one finding at [`HealthReport::UNHEALTHY_AT`] or above.
    Unhealthy,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Healthy => "healthy",
            Verdict::Unhealthy => "unhealthy",
        }
    }
}

impl Verdict {
    /// The verdict on findings of these levels.
    pub fn of_levels(mut levels: impl Iterator<Item = Level>) -> Verdict {
        if levels.any(|l| l >= HealthReport::UNHEALTHY_AT) {
            Verdict::Unhealthy
        } else {
            Verdict::Healthy
        }
    }
}

impl HealthReport {
    /// The lowest level that makes the workspace unhealthy.
    pub const UNHEALTHY_AT: Level = Level::Warning;

    /// The verdict on the whole report.
    pub fn verdict(&self) -> Verdict {
        Verdict::of_levels(self.findings.iter().map(|f| f.level))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_or_worse_is_unhealthy_and_info_alone_is_healthy() {
        assert_eq!(Verdict::of_levels([].into_iter()), Verdict::Healthy);
        assert_eq!(Verdict::of_levels([Level::Info, Level::Info].into_iter()), Verdict::Healthy);
        assert_eq!(Verdict::of_levels([Level::Info, Level::Warning].into_iter()), Verdict::Unhealthy);
        assert_eq!(Verdict::of_levels([Level::Critical].into_iter()), Verdict::Unhealthy);
    }
}
