//! The test REST catalog server (tests/support/rest_catalog, started by
//! scripts/rest-catalog-server): one private instance per caller, its control endpoints
//! (faults, the request log), stopped on drop.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{python, require_all};

/// A private test REST catalog server; stopped on drop.
pub struct RestServer {
    child: Child,
    pub url: String,
    /// The server's warehouse (a local directory, or s3://…).
    pub warehouse: String,
    _dir: tempfile::TempDir,
}

impl RestServer {
    /// Start one with `args` (see scripts/rest-catalog-server); `None` (skip) without Java
    /// unless every part is required.
    pub fn start(args: &[&str]) -> Option<RestServer> {
        let dir = tempfile::tempdir().unwrap();
        let warehouse = dir.path().join("wh").to_string_lossy().to_string();
        Self::start_at(dir, &warehouse, args)
    }

    pub fn start_at(dir: tempfile::TempDir, warehouse: &str, args: &[&str]) -> Option<RestServer> {
        python()?;
        if Command::new("java").arg("-version").output().is_err() {
            assert!(!require_all(), "java is required (FLOE_TEST_REQUIRE_ALL=1)");
            eprintln!("skipping: no java");
            return None;
        }
        let port_file = dir.path().join("port");
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/rest-catalog-server");
        let child = Command::new(script)
            .args(["--warehouse", warehouse])
            .args([
                "--catalog-db",
                dir.path().join("catalog.db").to_str().unwrap(),
            ])
            .args(["--port-file", port_file.to_str().unwrap()])
            .args(args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut server = RestServer {
            child,
            url: String::new(),
            warehouse: warehouse.to_string(),
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(url) = std::fs::read_to_string(&port_file) {
                if !url.trim().is_empty() {
                    server.url = url.trim().to_string();
                    return Some(server);
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the REST test server exited ({status}):\n{}", server.log());
            }
            assert!(
                Instant::now() < deadline,
                "the REST test server did not start:\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("server.log")).unwrap_or_default()
    }

    /// POST/GET/DELETE one of the server's /test endpoints.
    pub fn control(&self, method: &str, path: &str, body: &str) -> Value {
        let (status, body) = http(&self.url, method, path, body);
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {body}"
        );
        if body.trim().is_empty() {
            return Value::Null;
        }
        serde_json::from_str(&body).unwrap()
    }

    pub fn faults(&self, body: &str) {
        self.control("POST", "/test/faults", body);
    }

    pub fn requests(&self) -> Vec<Value> {
        self.control("GET", "/test/requests", "")
            .as_array()
            .unwrap()
            .clone()
    }
}

impl Drop for RestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 exchange (the server's control endpoints): status and body.
pub fn http(base: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    // Chunked answers: keep the JSON between the chunk sizes.
    let body = if body.trim_start().starts_with(['{', '[']) {
        body
    } else {
        body.lines()
            .filter(|l| l.trim_start().starts_with(['{', '[']))
            .collect::<Vec<_>>()
            .join("")
    };
    (status, body)
}
