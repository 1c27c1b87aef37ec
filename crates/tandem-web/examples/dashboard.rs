//! Serves the dashboard on a sample workspace, for trying it out and measuring it:
//!
//! ```text
//! cargo run --release -p tandem-web --example dashboard -- demo DIR [--token T] [--port P]
//! cargo run --release -p tandem-web --example dashboard -- generated DIR REPOS COORDINATIONS CHILDREN [--wide N] [--token T] [--port P]
//! cargo run --release -p tandem-web --example dashboard -- open DIR [--token T] [--port P]
//! ```
//! `demo` and `generated` build the workspace in DIR (which must not exist yet); `--wide N` adds
//! one coordination over the first N repositories and prints `wide coordination ID`; `open`
//! serves a workspace built before. Prints `listening on http://127.0.0.1:PORT` once it accepts.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

fn usage() -> ! {
    eprintln!(
        "usage: dashboard demo DIR | generated DIR REPOS COORDINATIONS CHILDREN [--wide N] | open DIR  [--token T] [--port P]"
    );
    std::process::exit(2)
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut flag = |name: &str| -> Option<String> {
        let i = args.iter().position(|a| a == name)?;
        if i + 1 >= args.len() {
            usage()
        }
        let v = args.remove(i + 1);
        args.remove(i);
        Some(v)
    };
    let token = flag("--token");
    let port: u16 = flag("--port").map(|p| p.parse().unwrap_or_else(|_| usage())).unwrap_or(0);
    let wide: Option<usize> = flag("--wide").map(|n| n.parse().unwrap_or_else(|_| usage()));
    let num = |s: Option<&String>| -> usize { s.and_then(|s| s.parse().ok()).unwrap_or_else(|| usage()) };
    let (Some(mode), Some(dir)) = (args.first(), args.get(1)) else { usage() };
    let dir = PathBuf::from(dir);
    let now = chrono::Utc::now();
    let started = std::time::Instant::now();
    let manifest = match mode.as_str() {
        "demo" => tandem_web::sample::demo(&dir, now),
        "generated" => tandem_web::sample::generated(&dir, num(args.get(2)), num(args.get(3)), num(args.get(4)), now),
        "open" => Ok(dir.join(tandem_engine::MANIFEST)),
        _ => usage(),
    };
    let manifest = manifest.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    let engine = Arc::new(tandem_web::sample::open(&manifest, "dashboard").unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    }));
    if let Some(n) = wide {
        let id = tandem_web::sample::wide_coordination(&engine, n).unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(2)
        });
        println!("wide coordination {id}");
    }
    eprintln!("workspace ready in {:.1}s", started.elapsed().as_secs_f64());
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap_or_else(|e| {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(2)
        });
        println!("listening on http://{}", listener.local_addr().expect("address"));
        let _ = std::io::stdout().flush();
        let app = tandem_web::router(engine, token.map(Arc::from));
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("error: {e}");
            std::process::exit(2)
        }
    });
}
