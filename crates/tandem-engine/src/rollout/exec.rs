//! Running one step's shell command: in a directory, with the step's environment, within a
//! timeout, its output (stdout and stderr together) kept in the step's log file.
//!
//! The command runs as `sh -c COMMAND` in a process group of its own, so that a timeout ends
//! the shell and everything it started (`kill -KILL -PGID`), not only the shell.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    pub command: String,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
    pub log: PathBuf,
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Exited(i32),
    /// Ended by a signal it did not expect (not ours).
    Signalled(i32),
    /// Still running at the timeout: its process group was killed.
    TimedOut(Duration),
    /// It could not be started (or its log could not be written).
    NotStarted(String),
}

impl Ended {
    pub fn ok(&self) -> bool {
        *self == Ended::Exited(0)
    }

    /// One line: `exit status 0`, `timed out after 2s (killed)`.
    pub fn describe(&self) -> String {
        match self {
            Ended::Exited(c) => format!("exit status {c}"),
            Ended::Signalled(s) => format!("killed by signal {s}"),
            Ended::TimedOut(t) => {
                format!("timed out after {} (killed)", tandem_model::rollout::show_duration(*t))
            }
            Ended::NotStarted(why) => format!("could not start: {why}"),
        }
    }
}

/// Runs `spec` to its end or its timeout, appending its output to its log.
pub fn run(spec: &CommandSpec) -> Ended {
    match run_inner(spec) {
        Ok(e) => e,
        Err(e) => Ended::NotStarted(e),
    }
}

fn run_inner(spec: &CommandSpec) -> Result<Ended, String> {
    if let Some(dir) = spec.log.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&spec.log)
        .map_err(|e| format!("cannot write {}: {e}", spec.log.display()))?;
    let _ = writeln!(
        log,
        "# {} $ {}\n# in {}",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        spec.command,
        spec.cwd.display()
    );
    let out = log.try_clone().map_err(|e| e.to_string())?;
    let err = log.try_clone().map_err(|e| e.to_string())?;
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(&spec.command).current_dir(existing_dir(&spec.cwd)?).stdin(Stdio::null());
    cmd.stdout(Stdio::from(out)).stderr(Stdio::from(err));
    for (k, v) in &spec.env {
        cmd.env(k, v);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("sh: {e}"))?;
    let ended = loop {
        match child.try_wait() {
            Ok(Some(status)) => break from_status(status),
            Ok(None) => {}
            Err(e) => break Ended::NotStarted(format!("waiting for it: {e}")),
        }
        if start.elapsed() >= spec.timeout {
            kill_group(&mut child);
            let _ = child.wait();
            break Ended::TimedOut(spec.timeout);
        }
        std::thread::sleep(Duration::from_millis(20).min(spec.timeout / 10 + Duration::from_millis(1)));
    };
    let _ = writeln!(log, "# {} after {} ms", ended.describe(), start.elapsed().as_millis());
    Ok(ended)
}

fn existing_dir(p: &Path) -> Result<&Path, String> {
    if p.is_dir() {
        Ok(p)
    } else {
        Err(format!("the directory {} does not exist", p.display()))
    }
}

#[cfg(unix)]
fn from_status(s: std::process::ExitStatus) -> Ended {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (Some(c), _) => Ended::Exited(c),
        (None, Some(sig)) => Ended::Signalled(sig),
        (None, None) => Ended::Exited(-1),
    }
}

#[cfg(not(unix))]
fn from_status(s: std::process::ExitStatus) -> Ended {
    Ended::Exited(s.code().unwrap_or(-1))
}

#[cfg(unix)]
fn kill_group(child: &mut std::process::Child) {
    // The child leads its own process group (process_group(0)); its id is the group's.
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory is shared.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
}

#[cfg(not(unix))]
fn kill_group(child: &mut std::process::Child) {
    let _ = child.kill();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dir: &Path, command: &str, timeout: Duration) -> CommandSpec {
        CommandSpec {
            command: command.into(),
            cwd: dir.to_path_buf(),
            env: vec![("TANDEM_REPO".into(), "hub".into())],
            timeout,
            log: dir.join("logs/step.log"),
        }
    }

    #[test]
    fn output_and_environment_go_to_the_log_and_the_exit_status_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let s = spec(dir.path(), "echo deploying $TANDEM_REPO; echo oops >&2; exit 3", Duration::from_secs(30));
        assert_eq!(run(&s), Ended::Exited(3));
        let log = std::fs::read_to_string(&s.log).unwrap();
        assert!(log.contains("deploying hub") && log.contains("oops") && log.contains("exit status 3"), "{log}");
    }

    #[test]
    fn a_hung_command_is_killed_with_its_children_at_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let s = spec(dir.path(), "sleep 60 & echo $! > child.pid; wait", Duration::from_millis(500));
        let start = Instant::now();
        assert_eq!(run(&s), Ended::TimedOut(Duration::from_millis(500)));
        assert!(start.elapsed() < Duration::from_secs(20));
        let pid = std::fs::read_to_string(dir.path().join("child.pid")).unwrap();
        // The background sleep was in the group: it is gone (or a zombie reaped by init soon).
        let alive = |pid: &str| {
            std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).map(|s| !s.contains(") Z ")).unwrap_or(false)
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while alive(&pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!alive(&pid), "the hung command's child {pid} survived the timeout");
    }

    #[test]
    fn a_missing_directory_is_a_clear_failure() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = spec(dir.path(), "true", Duration::from_secs(5));
        s.cwd = dir.path().join("nope");
        match run(&s) {
            Ended::NotStarted(why) => assert!(why.contains("does not exist"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
