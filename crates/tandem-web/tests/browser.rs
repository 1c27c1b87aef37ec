//! The dashboard in a real browser: starts the demo workspace's dashboard on 127.0.0.1:0 and
//! runs `tests/browser/dashboard.cjs` (Playwright driving Debian's Chromium, axe-core); fails
//! when the script fails. `scripts/setup.sh` installs the browser and the npm packages.
//! Screenshots land in `$CARGO_TARGET_TMPDIR/tandem-web-screenshots` (`scripts/screenshots.sh`
//! copies them to docs/screenshots/).

mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the browser script if the test ends first (panic or timeout).
struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tools() -> PathBuf {
    let base = std::env::var_os("TANDEM_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache").join("tandem-tools"));
    base.join("browser-npm").join("node_modules")
}

#[test]
fn the_dashboard_works_in_a_real_browser() {
    let modules = tools();
    let chromium = PathBuf::from("/usr/bin/chromium");
    assert!(
        modules.join("playwright-core").is_dir() && modules.join("@axe-core/playwright").is_dir() && chromium.exists(),
        "the browser tools are missing ({} or {}); run scripts/setup.sh",
        modules.display(),
        chromium.display()
    );
    let server = support::demo(Some(support::TOKEN));
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tandem-web-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let profile = tempfile::tempdir().expect("profile dir");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser/dashboard.cjs");
    let child = Command::new("node")
        .arg(&script)
        .env("NODE_PATH", &modules)
        .env("BASE", &server.base)
        .env("TOKEN", support::TOKEN)
        .env("SHOTS", &shots)
        .env("PROFILE", profile.path())
        .env("CHROMIUM", &chromium)
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node");
    let mut child = Kill(child);
    let deadline = Instant::now() + Duration::from_secs(600);
    let status = loop {
        if let Some(s) = child.0.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "the browser script did not finish in 10 minutes");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(status.success(), "the browser script failed ({status}); its output is above");
    for name in ["coordinations", "coordination", "graph", "health", "charts", "coordination-phone"] {
        assert!(shots.join(format!("{name}.png")).is_file(), "no screenshot {name}.png");
    }
}
