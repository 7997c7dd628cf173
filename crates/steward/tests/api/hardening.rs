//! Hostile and careless clients: slow or silent connections, too many of them, slow and
//! stalled uploads; security headers on every kind of answer; metrics kept apart.
use crate::support::TestApp;
use serde_json::{Value, json};
use std::time::Duration;
use steward_web::{ServeOptions, WebOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep, timeout};

/// Reads until the server closes the connection (or resets it); false if it is still open
/// after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        match timeout(
            deadline.saturating_duration_since(Instant::now()),
            stream.read(&mut buf),
        )
        .await
        {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// An HTTP/1.1 answer read off a raw socket: status, lowercase headers, body.
struct RawReply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawReply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Reads one response sent with `Connection: close` (the server closes after it).
async fn read_reply(stream: &mut TcpStream, limit: Duration) -> RawReply {
    let mut raw = Vec::new();
    timeout(limit, async {
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the server answers and closes in time");
    let text_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..text_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    RawReply {
        status,
        headers,
        body: raw[text_end + 4..].to_vec(),
    }
}

/// An incident a customer reported, and that customer's token.
async fn incident(t: &TestApp) -> (i64, String) {
    let acme = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let id = t
        .post(
            "/api/v1/incidents",
            &customer,
            json!({"title": "Upload logs", "urgency": "low"}),
        )
        .await
        .id();
    (id, customer)
}

fn upload_head(t: &TestApp, incident: i64, token: &str, length: usize) -> String {
    format!(
        "POST /api/v1/incidents/{incident}/attachments?name=log.txt HTTP/1.1\r\nHost: {}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: text/plain\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n",
        t.addr
    )
}

#[tokio::test]
async fn a_slow_or_silent_client_is_disconnected_after_the_header_timeout() {
    let t = TestApp::spawn_with_options(
        WebOptions::default(),
        ServeOptions {
            header_read_timeout: Duration::from_secs(1),
            ..Default::default()
        },
    )
    .await;
    // Silent: connects and sends nothing.
    let mut silent = TcpStream::connect(t.addr).await.expect("connect");
    assert!(
        closed_within(&mut silent, Duration::from_secs(10)).await,
        "a silent connection is closed"
    );
    // Slowloris: a byte of the request head every 200 ms, never finishing it.
    let mut slow = TcpStream::connect(t.addr).await.expect("connect");
    let head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut closed = false;
    for byte in head.iter().take(50) {
        if slow.write_all(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 1024];
        if let Ok(Ok(0) | Err(_)) = timeout(Duration::from_millis(200), slow.read(&mut buf)).await {
            closed = true;
            break;
        }
    }
    assert!(
        closed,
        "a head trickling in for 10 s is cut off by the 1 s header timeout"
    );
    // An ordinary client is still served.
    assert_eq!(t.get("/healthz", &t.admin).await.status, 200);
}

#[tokio::test]
async fn at_the_connection_limit_idle_connections_make_room_and_healthz_answers() {
    let t = TestApp::spawn_with_options(
        WebOptions::default(),
        ServeOptions {
            max_connections: 20,
            // Long, so that only the limit closes anything here.
            header_read_timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(120),
        },
    )
    .await;
    let mut idle = Vec::new();
    for _ in 0..25 {
        idle.push(TcpStream::connect(t.addr).await.expect("connect"));
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let health = http
        .get(format!("{}/healthz", t.url))
        .send()
        .await
        .expect("/healthz answers while idle connections fill the limit");
    assert_eq!(health.status(), 200);
    // Each connection beyond the limit closed one that sat idle.
    let mut checks = tokio::task::JoinSet::new();
    for mut stream in idle {
        checks.spawn(async move { closed_within(&mut stream, Duration::from_secs(3)).await });
    }
    let closed = checks.join_all().await.into_iter().filter(|c| *c).count();
    assert!(
        (6..=25).contains(&closed),
        "{closed} of 25 idle connections were closed; at least 6 had to make room"
    );
}

#[tokio::test]
async fn a_slow_upload_that_keeps_moving_succeeds_and_a_stalled_one_gets_408() {
    let t = TestApp::spawn_with_options(
        WebOptions {
            request_timeout: Duration::from_secs(3),
            body_read_timeout: Duration::from_secs(1),
            ..Default::default()
        },
        ServeOptions::default(),
    )
    .await;
    let (id, customer) = incident(&t).await;
    // 3 MiB in 48 steady chunks over about 6 s: twice the request timeout.
    let chunk = vec![b'a'; 64 * 1024];
    let size = chunk.len() * 48;
    let mut stream = TcpStream::connect(t.addr).await.expect("connect");
    stream
        .write_all(upload_head(&t, id, &customer, size).as_bytes())
        .await
        .expect("head");
    let started = Instant::now();
    for _ in 0..48 {
        stream.write_all(&chunk).await.expect("chunk");
        sleep(Duration::from_millis(125)).await;
    }
    assert!(started.elapsed() > Duration::from_secs(3));
    let reply = read_reply(&mut stream, Duration::from_secs(20)).await;
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["size_bytes"], size);

    // A body that stops arriving is refused once it has stalled for the read timeout.
    let mut stream = TcpStream::connect(t.addr).await.expect("connect");
    stream
        .write_all(upload_head(&t, id, &customer, 100_000).as_bytes())
        .await
        .expect("head");
    stream.write_all(&[b'a'; 1000]).await.expect("a little");
    let reply = read_reply(&mut stream, Duration::from_secs(10)).await;
    assert_eq!(
        reply.status,
        408,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(reply.json()["status"], 408);
}

/// Asserts the headers every answer carries, and returns its CSP.
#[track_caller]
fn assert_secured(what: &str, r: &reqwest::Response) -> String {
    let h = r.headers();
    let get = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let csp = get("content-security-policy");
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "{what}: CSP {csp:?}"
    );
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert!(!get("referrer-policy").is_empty(), "{what}");
    csp
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

#[tokio::test]
async fn every_kind_of_answer_carries_the_security_headers() {
    let t = TestApp::spawn().await;
    let http = no_redirects();
    let get = |path: &str| {
        http.get(format!("{}{path}", t.url))
            .bearer_auth(&t.admin)
            .send()
    };
    let api = get("/api/v1/services").await.expect("api");
    assert_eq!(api.status(), 200);
    let csp = assert_secured("API JSON", &api);
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(api.headers().get("strict-transport-security").is_none());

    let missing = get("/no/such/page").await.expect("404");
    assert_eq!(missing.status(), 404);
    assert_secured("404", &missing);

    let redirect = http
        .get(format!("{}/console", t.url))
        .send()
        .await
        .expect("redirect");
    assert!(redirect.status().is_redirection(), "{}", redirect.status());
    assert_secured("redirect", &redirect);

    let docs = get("/api/docs/").await.expect("docs");
    assert_eq!(docs.status(), 200);
    let csp = assert_secured("/api/docs", &docs);
    assert!(csp.contains("script-src 'self'"), "{csp}");

    let metrics = get("/metrics").await.expect("metrics");
    assert_eq!(metrics.status(), 200);
    assert_secured("/metrics", &metrics);

    // A rendered page keeps its own policy.
    let login = get("/login").await.expect("login page");
    assert_eq!(login.status(), 200);
    let csp = assert_secured("login page", &login);
    assert!(csp.contains("form-action 'self'"), "{csp}");
}

#[tokio::test]
async fn hsts_is_sent_only_with_secure_cookies() {
    let t = TestApp::spawn_with_options(
        WebOptions {
            secure_cookies: true,
            ..Default::default()
        },
        ServeOptions::default(),
    )
    .await;
    for path in ["/healthz", "/api/v1/services", "/nowhere"] {
        let r = no_redirects()
            .get(format!("{}{path}", t.url))
            .bearer_auth(&t.admin)
            .send()
            .await
            .expect("request");
        let hsts = r
            .headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(hsts.starts_with("max-age="), "{path}: {hsts:?}");
    }
}

#[tokio::test]
async fn metrics_can_be_served_apart_and_behind_a_token() {
    let options = WebOptions {
        serve_metrics: false,
        metrics_token: Some("scrape-secret".into()),
        ..Default::default()
    };
    let t = TestApp::spawn_with_options(options.clone(), ServeOptions::default()).await;
    let http = no_redirects();
    // Not on the main listener.
    let main = http
        .get(format!("{}/metrics", t.url))
        .send()
        .await
        .expect("main");
    assert_eq!(main.status(), 404);
    // On a listener of its own, with the token only.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(steward_web::serve(
        listener,
        steward_web::metrics_router(t.app.clone(), options),
        ServeOptions::default(),
        std::future::pending(),
    ));
    let url = format!("http://{addr}/metrics");
    let anonymous = http.get(&url).send().await.expect("anonymous");
    assert_eq!(anonymous.status(), 401);
    assert_secured("refused metrics", &anonymous);
    let wrong = http
        .get(&url)
        .bearer_auth("scrape-secreT")
        .send()
        .await
        .expect("wrong token");
    assert_eq!(wrong.status(), 401);
    let scraped = http
        .get(&url)
        .bearer_auth("scrape-secret")
        .send()
        .await
        .expect("scrape");
    assert_eq!(scraped.status(), 200);
    assert_secured("metrics", &scraped);
    let api = http
        .get(format!("http://{addr}/api/v1/services"))
        .bearer_auth(&t.admin)
        .send()
        .await
        .expect("api on the metrics listener");
    assert_eq!(api.status(), 404, "only /metrics is served there");
}

/// `steward serve` under a low open-file limit (via util-linux `prlimit`), killed when dropped.
struct LimitedServer(std::process::Child);

impl Drop for LimitedServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn at_the_open_file_limit_the_server_keeps_answering() {
    use std::io::BufRead;
    steward_app::assurance::probe_check::install_tls_provider();
    let data = crate::support::temp_dir("fd-limit");
    let database_url = crate::support::fresh_database_url().await;
    let mut child = std::process::Command::new("prlimit")
        .arg("--nofile=256")
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_steward"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url"])
        .arg(&database_url)
        .arg("--data-dir")
        .arg(&data)
        .env("STEWARD_LOG", "error")
        // Above what 256 descriptors allow, and long timeouts: only the limit protects it.
        .env("STEWARD_MAX_HTTP_CONNECTIONS", "5000")
        .env("STEWARD_HEADER_READ_TIMEOUT_SECS", "300")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start steward serve under prlimit");
    let stdout = child.stdout.take().expect("stdout");
    let server = LimitedServer(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(rest) = line.split("serving http://").nth(1) {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_owned());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server starts");
    // More silent connections than the server has descriptors.
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect(&addr).await.expect("connect"));
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    for _ in 0..3 {
        let health = http
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .expect("/healthz answers with the descriptor table full of idle sockets");
        assert_eq!(health.status(), 200);
    }
    drop(idle);
    drop(server);
}
