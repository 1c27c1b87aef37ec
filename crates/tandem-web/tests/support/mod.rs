//! One way to start the dashboard for tests: a sample workspace in a temp dir and the router on
//! 127.0.0.1:0, stopped when the guard drops.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use tandem_engine::Engine;

pub const TOKEN: &str = "test-write-token-0123456789";

pub struct Server {
    pub base: String,
    pub engine: Arc<Engine>,
    pub manifest: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The demo workspace served with (or without) the write token.
pub fn demo(token: Option<&str>) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = tandem_web::sample::demo(dir.path(), chrono::Utc::now()).expect("demo workspace");
    let engine = Arc::new(tandem_web::sample::open(&manifest, "dashboard-test").expect("engine"));
    serve(dir, manifest, engine, token)
}

pub fn serve(dir: tempfile::TempDir, manifest: PathBuf, engine: Arc<Engine>, token: Option<&str>) -> Server {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = tandem_web::router(engine.clone(), token.map(Arc::from));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            // Not graceful: open event streams never end by themselves.
            tokio::select! {
                _ = axum::serve(listener, app) => {}
                _ = rx => {}
            }
        });
        rt.shutdown_timeout(std::time::Duration::from_secs(2));
    });
    Server { base, engine, manifest, stop: Some(tx), thread: Some(thread), _dir: dir }
}
