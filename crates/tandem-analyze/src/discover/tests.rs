//! Discovery over real checkouts in temporary directories.

use super::*;
use std::fs;
use tempfile::TempDir;

/// Writes `files` (path relative to the workspace root, text) and the manifest, then discovers.
/// The directory is returned so that it lives as long as the test needs it.
fn discover_in(manifest: &str, files: &[(&str, &str)]) -> (TempDir, Discovery) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("file has a parent")).expect("create dirs");
        fs::write(&path, text).expect("write fixture");
    }
    let manifest_path = dir.path().join("tandem.toml");
    fs::write(&manifest_path, manifest).expect("write manifest");
    let ws = Workspace::parse(manifest, &manifest_path).expect("valid manifest");
    let found = discover(&ws);
    (dir, found)
}

/// `consumer -> provider via file:line reference version`, one string a reference.
fn references(d: &Discovery) -> Vec<String> {
    d.references
        .iter()
        .map(|r| {
            let at = evidence(r, false);
            format!("{} -> {} {} {at}", r.consumer, r.provider, r.via)
        })
        .collect()
}

/// `consumer -> provider via: evidence; evidence`, one string an edge.
fn edges(reports: &[EdgeReport]) -> Vec<String> {
    reports
        .iter()
        .map(|e| {
            let via = e.via.map_or("-".to_string(), |v| v.to_string());
            format!("{} -> {} {via}: {}", e.consumer, e.provider, e.evidence.join("; "))
        })
        .collect()
}

fn problems(d: &Discovery) -> Vec<String> {
    d.problems
        .iter()
        .map(|p| {
            format!(
                "{} {}:{} {}",
                p.repo,
                display_path(&p.file),
                p.line.map_or("?".into(), |l| l.to_string()),
                p.message
            )
        })
        .collect()
}

const LOQA: &str = r#"
[workspace]
name = "loqa"

[[repo]]
name = "loqa-proto"
role = "protocol"
path = "loqa-proto"

[[repo]]
name = "loqa-hub"
role = "service"
path = "loqa-hub"
depends_on = [{ repo = "loqa-proto", via = "grpc" }]

[[repo]]
name = "loqa-relay"
role = "client"
path = "loqa-relay"
depends_on = [{ repo = "loqa-proto", via = "grpc" }]

[[repo]]
name = "loqa-commander"
role = "frontend"
path = "loqa-commander"
depends_on = [{ repo = "loqa-hub", via = "http" }]

[[repo]]
name = "loqa-skills"
role = "library"
path = "loqa-skills"

[[repo]]
name = "www-loqalabs-com"
role = "docs"

[[repo]]
name = "loqa"
role = "config"
path = "loqa"
depends_on = [
  { repo = "loqa-hub", via = "docker" },
  { repo = "loqa-relay", via = "docker" },
]
"#;

const LOQA_FILES: &[(&str, &str)] = &[
    (
        "loqa-proto/go/go.mod",
        "module github.com/loqalabs/loqa-proto/go\n\ngo 1.22\n\nrequire google.golang.org/grpc v1.65.0\n",
    ),
    (
        "loqa-hub/go.mod",
        "module github.com/loqalabs/loqa-hub

go 1.22

require (
\tgithub.com/loqalabs/loqa-proto/go v0.3.1
\tgithub.com/nats-io/nats.go v1.37.0
\tgoogle.golang.org/grpc v1.65.0
)

require (
\tgithub.com/klauspost/compress v1.17.9 // indirect
\tgoogle.golang.org/protobuf v1.34.2 // indirect
)
",
    ),
    (
        "loqa-relay/go.mod",
        "module github.com/loqalabs/loqa-relay\n\ngo 1.22\n\nrequire github.com/loqalabs/loqa-proto/go v0.2.0\n",
    ),
    (
        "loqa-commander/package.json",
        r#"{
  "name": "loqa-commander",
  "version": "0.2.1",
  "private": true,
  "dependencies": {
    "axios": "^1.7.2",
    "vue": "^3.4.31"
  },
  "devDependencies": {
    "vite": "^5.3.1"
  }
}
"#,
    ),
    (
        "loqa/docker-compose.yml",
        "services:
  nats:
    image: nats:2.10-alpine
  hub:
    image: ghcr.io/loqalabs/loqa-hub:0.4.0
    depends_on: [nats]
  commander:
    image: ghcr.io/loqalabs/loqa-commander:0.2.1
    ports: [\"5173:80\"]
  ollama:
    image: ollama/ollama:latest
",
    ),
];

#[test]
fn loqa_workspace_references_pins_and_edge_reports() {
    let (_dir, d) = discover_in(LOQA, LOQA_FILES);
    assert_eq!(
        references(&d),
        [
            "loqa -> loqa-commander docker docker-compose.yml:8 ghcr.io/loqalabs/loqa-commander 0.2.1",
            "loqa -> loqa-hub docker docker-compose.yml:5 ghcr.io/loqalabs/loqa-hub 0.4.0",
            "loqa-hub -> loqa-proto library go.mod:6 github.com/loqalabs/loqa-proto/go v0.3.1",
            "loqa-relay -> loqa-proto library go.mod:5 github.com/loqalabs/loqa-proto/go v0.2.0",
        ]
    );
    // The grpc edges are satisfied by the Go module; commander's http edge is invisible.
    assert_eq!(
        edges(&d.undeclared),
        ["loqa -> loqa-commander docker: docker-compose.yml:8 ghcr.io/loqalabs/loqa-commander 0.2.1"]
    );
    assert_eq!(edges(&d.missing), ["loqa -> loqa-relay docker: no reference to loqa-relay in docker-compose.yml"]);
    let pins: Vec<_> = d.pins.iter().map(|p| (p.consumer.as_str(), p.provider.as_str(), p.version.as_str())).collect();
    assert_eq!(
        pins,
        [
            ("loqa", "loqa-commander", "0.2.1"),
            ("loqa", "loqa-hub", "0.4.0"),
            ("loqa-hub", "loqa-proto", "v0.3.1"),
            ("loqa-relay", "loqa-proto", "v0.2.0"),
        ]
    );
    let skipped: Vec<_> = d.skipped.iter().map(|s| (s.repo.as_str(), s.reason.as_str())).collect();
    assert_eq!(skipped.len(), 2);
    assert_eq!(skipped[0].0, "loqa-skills");
    assert!(skipped[0].1.contains("does not exist"), "{skipped:?}");
    assert_eq!(skipped[1].0, "www-loqalabs-com");
    assert!(skipped[1].1.contains("no path"), "{skipped:?}");
    assert_eq!(problems(&d), Vec::<String>::new());
}

#[test]
fn discovery_is_deterministic_and_serialises_in_snake_case() {
    let (dir, first) = discover_in(LOQA, LOQA_FILES);
    let ws = Workspace::parse(LOQA, &dir.path().join("tandem.toml")).expect("valid manifest");
    assert_eq!(discover(&ws), first);
    let json = serde_json::to_value(&first).expect("serialisable");
    assert_eq!(json["references"][2]["kind"], "go_mod");
    assert_eq!(json["references"][2]["via"], "library");
    assert_eq!(json["references"][2]["file"], "go.mod");
    assert_eq!(json["references"][0]["kind"], "compose");
    assert_eq!(json["missing"][0]["via"], "docker");
}

#[test]
fn undeclared_edge_from_docker_compose_image_is_reported() {
    let manifest = r#"
[[repo]]
name = "hub"
role = "service"

[[repo]]
name = "stack"
role = "config"
path = "stack"
"#;
    let compose = "services:\n  hub:\n    image: \"registry.local:5000/team/hub@sha256:0123abcd\"\n";
    let (_dir, d) = discover_in(manifest, &[("stack/compose.yaml", compose)]);
    assert_eq!(
        edges(&d.undeclared),
        ["stack -> hub docker: compose.yaml:3 registry.local:5000/team/hub sha256:0123abcd"]
    );
}

#[test]
fn declared_http_and_grpc_edges_are_never_missing_but_library_and_docker_ones_are() {
    let manifest = r#"
[[repo]]
name = "api"
role = "service"

[[repo]]
name = "lib"
role = "library"
aliases = ["@team/lib"]

[[repo]]
name = "img"
role = "service"

[[repo]]
name = "web"
role = "frontend"
path = "web"
depends_on = [
  { repo = "api", via = "http" },
  { repo = "lib", via = "library" },
  { repo = "img", via = "docker" },
]
"#;
    let (_dir, d) = discover_in(manifest, &[("web/package.json", r#"{"name": "web", "dependencies": {}}"#)]);
    assert_eq!(
        edges(&d.missing),
        [
            "web -> img docker: no reference to img in package.json; img has no checkout to read its names from \
             and no aliases; add its module, package or image names as `aliases`",
            "web -> lib library: no reference to lib in package.json",
        ]
    );
}

#[test]
fn missing_edges_need_an_existing_checkout() {
    let manifest = r#"
[[repo]]
name = "lib"
role = "library"
aliases = ["lib"]

[[repo]]
name = "app"
role = "service"
path = "app"
depends_on = [{ repo = "lib", via = "library" }]
"#;
    let (_dir, d) = discover_in(manifest, &[]);
    assert_eq!(d.missing, []);
    let skipped: Vec<&str> = d.skipped.iter().map(|s| s.repo.as_str()).collect();
    assert_eq!(skipped, ["app", "lib"]);

    let (_dir, d) = discover_in(manifest, &[("app/README.md", "no manifests here")]);
    assert_eq!(edges(&d.missing).len(), 1);
    assert!(edges(&d.missing)[0].contains("no manifest"), "{:?}", edges(&d.missing));
}

#[test]
fn malformed_package_json_is_a_problem_not_a_panic() {
    let manifest = r#"
[[repo]]
name = "proto"
role = "protocol"
aliases = ["@loqalabs/proto", "github.com/loqalabs/proto"]

[[repo]]
name = "app"
role = "service"
path = "app"
"#;
    let files = [
        (
            "app/web/package.json",
            "{\n  \"name\": \"app-web\",\n  \"dependencies\": {\n    \"@loqalabs/proto\": \"^1\"\n",
        ),
        ("app/go.mod", "module example.com/app\n\nrequire github.com/loqalabs/proto v1.0.0\n"),
    ];
    let (_dir, d) = discover_in(manifest, &files);
    let problems = problems(&d);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("app web/package.json:5 invalid JSON: EOF while parsing"), "{problems:?}");
    assert_eq!(references(&d), ["app -> proto library go.mod:3 github.com/loqalabs/proto v1.0.0"]);
}

#[test]
fn every_malformed_manifest_format_is_a_problem_with_its_line() {
    let manifest = "[[repo]]\nname = \"app\"\nrole = \"service\"\npath = \"app\"\n";
    let files = [
        ("app/a/go.mod", "module example.com/a\nrequire example.com/b\n"),
        ("app/b/Cargo.toml", "[package]\nname = \"b\"\n[dependencies\n"),
        ("app/c/package.json", "{\"name\": \"c\",}"),
        ("app/d/pyproject.toml", "[project]\nname = 'd'\ndependencies = 'x'\n"),
        ("app/e/requirements.txt", "requests==2.31\nflask = 3\n"),
        ("app/f/docker-compose.yml", "services:\n  a:\n    image: x\n   b: y\n"),
    ];
    let (_dir, d) = discover_in(manifest, &files);
    let got: Vec<_> = d.problems.iter().map(|p| (display_path(&p.file), p.line)).collect();
    assert_eq!(
        got,
        [
            ("a/go.mod".to_string(), Some(2)),
            ("b/Cargo.toml".to_string(), Some(3)),
            ("c/package.json".to_string(), Some(1)),
            ("d/pyproject.toml".to_string(), Some(3)),
            ("e/requirements.txt".to_string(), Some(2)),
            ("f/docker-compose.yml".to_string(), Some(4)),
        ],
        "{:#?}",
        d.problems
    );
}

#[test]
fn a_manifest_that_is_not_utf8_is_a_problem() {
    let manifest = "[[repo]]\nname = \"app\"\nrole = \"service\"\npath = \"app\"\n";
    let (dir, _) = discover_in(manifest, &[("app/go.mod", "module example.com/app\n")]);
    fs::write(dir.path().join("app/package.json"), b"{\"name\": \"\xff\"}").expect("write fixture");
    let ws = Workspace::parse(manifest, &dir.path().join("tandem.toml")).expect("valid manifest");
    assert_eq!(problems(&discover(&ws)), ["app package.json:? not UTF-8 text (byte 10)"]);
}

#[test]
fn a_repo_is_never_matched_to_itself() {
    let manifest = r#"
[[repo]]
name = "hub"
role = "service"
path = "hub"
"#;
    let files = [
        ("hub/go.mod", "module github.com/team/hub\n"),
        (
            "hub/tools/go.mod",
            "module github.com/team/hub/tools\nrequire github.com/team/hub v0.0.0-00010101000000-000000000000\n",
        ),
        ("hub/docker-compose.yml", "services:\n  hub:\n    image: ghcr.io/team/hub:dev\n    build: .\n"),
    ];
    let (_dir, d) = discover_in(manifest, &files);
    assert_eq!(d.references, []);
    assert_eq!(d.problems, []);
}

#[test]
fn go_submodules_and_major_version_suffixes_match_the_declared_module() {
    let manifest = r#"
[[repo]]
name = "protocol-definitions"
role = "protocol"
path = "proto"

[[repo]]
name = "hub"
role = "service"
path = "hub"
depends_on = [{ repo = "protocol-definitions", via = "grpc" }]
"#;
    let files = [
        ("proto/go.mod", "module example.com/defs/v2\n"),
        (
            "hub/go.mod",
            "module example.com/hub\nrequire (\n\texample.com/defs/v2/voice v2.1.0\n\texample.com/defsx v1.0.0\n)\n",
        ),
    ];
    let (_dir, d) = discover_in(manifest, &files);
    assert_eq!(references(&d), ["hub -> protocol-definitions library go.mod:3 example.com/defs/v2/voice v2.1.0"]);
    assert_eq!(d.undeclared, []);
}

#[test]
fn go_module_fallback_matches_a_repo_name_segment_but_not_the_owner() {
    let manifest = r#"
[[repo]]
name = "loqa"
role = "config"

[[repo]]
name = "loqa-skills"
role = "library"

[[repo]]
name = "hub"
role = "service"
path = "hub"
"#;
    let gomod = "module github.com/loqa/hub\nrequire (\n\tgithub.com/loqa/loqa-skills/sdk v0.1.0\n\tgithub.com/loqa/unrelated v1.0.0\n)\n";
    let (_dir, d) = discover_in(manifest, &[("hub/go.mod", gomod)]);
    assert_eq!(references(&d), ["hub -> loqa-skills library go.mod:3 github.com/loqa/loqa-skills/sdk v0.1.0"]);
}

#[test]
fn image_fallback_matches_the_last_segment_by_name_or_alias() {
    let manifest = r#"
[[repo]]
name = "loqa-hub"
role = "service"
aliases = ["hub-server"]

[[repo]]
name = "stack"
role = "config"
path = "stack"
depends_on = [{ repo = "loqa-hub", via = "docker" }]
"#;
    let compose = "services:\n  hub:\n    image: ${REGISTRY:-ghcr.io}/loqalabs/hub-server:${HUB_TAG}\n";
    let (_dir, d) = discover_in(manifest, &[("stack/docker-compose.prod.yml", compose)]);
    assert_eq!(references(&d), ["stack -> loqa-hub docker docker-compose.prod.yml:3 ghcr.io/loqalabs/hub-server"]);
    assert_eq!(d.pins, [], "an unset variable is no pin");
}

#[test]
fn local_replace_into_another_checkout_is_a_local_pin() {
    let manifest = r#"
[[repo]]
name = "proto"
role = "protocol"
path = "repos/proto"

[[repo]]
name = "hub"
role = "service"
path = "repos/hub"
depends_on = [{ repo = "proto", via = "library" }]
"#;
    let files = [
        ("repos/proto/go/go.mod", "module github.com/loqalabs/proto-go\n"),
        (
            "repos/hub/go.mod",
            "module github.com/loqalabs/hub\nrequire github.com/renamed/protocol-go v0.3.1\nreplace github.com/renamed/protocol-go => ../proto/go\n",
        ),
    ];
    let (_dir, d) = discover_in(manifest, &files);
    assert_eq!(references(&d), ["hub -> proto library go.mod:3 github.com/renamed/protocol-go local:../proto/go"]);
    assert_eq!(d.pins.len(), 1);
    assert_eq!(d.missing, []);
}

#[test]
fn compose_build_context_in_another_checkout_is_a_docker_reference() {
    let manifest = r#"
[[repo]]
name = "hub"
role = "service"
path = "hub"

[[repo]]
name = "dev-env"
role = "config"
path = "dev-env"

[[repo]]
name = "ops"
role = "config"
path = "ops"
"#;
    let files = [
        ("hub/compose.yml", "services:\n  hub:\n    build:\n      context: .\n    image: acme/voice-gateway\n"),
        ("dev-env/compose.yml", "services:\n  hub:\n    build:\n      context: ../hub\n"),
        ("ops/compose.yml", "services:\n  gw:\n    image: acme/voice-gateway:1.4\n"),
    ];
    let (_dir, d) = discover_in(manifest, &files);
    assert_eq!(
        references(&d),
        [
            "dev-env -> hub docker compose.yml:4 ../hub",
            // The image hub's own compose file builds names hub.
            "ops -> hub docker compose.yml:3 acme/voice-gateway 1.4",
        ]
    );
}

#[test]
fn crate_and_python_names_match_after_normalisation() {
    let manifest = r#"
[[repo]]
name = "sdk"
role = "library"
path = "sdk"

[[repo]]
name = "py-client"
role = "library"
path = "py-client"

[[repo]]
name = "app"
role = "service"
path = "app"
depends_on = [{ repo = "sdk", via = "library" }]
"#;
    let files = [
        ("sdk/Cargo.toml", "[package]\nname = \"loqa_sdk\"\nversion = \"0.2.0\"\n"),
        ("py-client/pyproject.toml", "[project]\nname = \"Loqa.Client\"\nversion = \"1.0\"\n"),
        (
            "app/Cargo.toml",
            "[package]\nname = \"app\"\n\n[dependencies]\nsdk = { package = \"loqa-sdk\", version = \"0.2\" }\n",
        ),
        ("app/scripts/requirements.txt", "loqa_client>=1.0 ; python_version >= '3.10'\n"),
    ];
    let (_dir, d) = discover_in(manifest, &files);
    assert_eq!(
        references(&d),
        [
            "app -> py-client library scripts/requirements.txt:1 loqa_client >=1.0",
            "app -> sdk library Cargo.toml:5 loqa-sdk 0.2",
        ]
    );
    assert_eq!(edges(&d.undeclared), ["app -> py-client library: scripts/requirements.txt:1 loqa_client >=1.0"]);
}

#[test]
fn indirect_go_requirement_alone_is_not_an_undeclared_edge() {
    let manifest = r#"
[[repo]]
name = "proto"
role = "protocol"
aliases = ["example.com/proto"]

[[repo]]
name = "hub"
role = "service"
path = "hub"
"#;
    let gomod = "module example.com/hub\nrequire example.com/proto v0.3.1 // indirect\n";
    let (_dir, d) = discover_in(manifest, &[("hub/go.mod", gomod)]);
    assert_eq!(references(&d), ["hub -> proto library go.mod:2 example.com/proto v0.3.1"]);
    assert_eq!(d.undeclared, []);
}

#[test]
fn dependency_dirs_hidden_dirs_deep_dirs_and_nested_checkouts_are_not_scanned() {
    let manifest = r#"
[[repo]]
name = "lib"
role = "library"
aliases = ["lib"]

[[repo]]
name = "inner"
role = "service"
path = "app/services/inner"

[[repo]]
name = "app"
role = "service"
path = "app"
"#;
    let dep = r#"{"dependencies": {"lib": "1.0.0"}}"#;
    let files = [
        ("app/node_modules/x/package.json", dep),
        ("app/.cache/package.json", dep),
        ("app/vendor/package.json", dep),
        ("app/a/b/c/d/package.json", dep),
        ("app/services/inner/package.json", dep),
        ("app/a/b/c/package.json", r#"{"dependencies": {"lib": "2.0.0"}}"#),
    ];
    let (_dir, d) = discover_in(manifest, &files);
    assert_eq!(
        references(&d),
        ["app -> lib library a/b/c/package.json:1 lib 2.0.0", "inner -> lib library package.json:1 lib 1.0.0"]
    );
}

const KINDS: &[ManifestKind] = &[
    ManifestKind::GoMod,
    ManifestKind::Cargo,
    ManifestKind::PackageJson,
    ManifestKind::Pyproject,
    ManifestKind::Requirements,
    ManifestKind::Compose,
];

/// Text made of the pieces the readers look for, in any order.
fn manifest_noise() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let piece = prop_oneof![
        Just("module example.com/m"),
        Just("require"),
        Just("replace"),
        Just("retract"),
        Just("=>"),
        Just("("),
        Just(")"),
        Just("["),
        Just("]"),
        Just("{"),
        Just("}"),
        Just(","),
        Just(":"),
        Just("\""),
        Just("`"),
        Just("\\"),
        Just("//"),
        Just("#"),
        Just(";"),
        Just("@"),
        Just("${"),
        Just("v1.2.3"),
        Just("=="),
        Just("="),
        Just("\n"),
        Just("\r\n"),
        Just(" "),
        Just("    "),
        Just("- "),
        Just("services:"),
        Just("image:"),
        Just("build:"),
        Just("[dependencies]"),
        Just("[project]"),
        Just("dependencies"),
        Just("é"),
        Just("\u{feff}"),
        Just("'"),
        Just("../x"),
    ];
    prop_oneof![proptest::collection::vec(piece, 0..60).prop_map(|p| p.concat()), any::<String>()]
}

proptest::proptest! {
    #[test]
    fn no_text_makes_a_reader_panic_and_error_lines_lie_in_the_file(text in manifest_noise()) {
        let last_line = text.lines().count() + 1;
        let within = |line: Option<usize>| line.iter().all(|l| (1..=last_line).contains(l));
        for kind in KINDS {
            let facts = kind.read(&text);
            for e in &facts.errors {
                proptest::prop_assert!(within(e.line), "{kind:?} {e:?}");
            }
            for d in &facts.deps {
                proptest::prop_assert!(within(d.line), "{kind:?} {d:?}");
            }
        }
    }
}
