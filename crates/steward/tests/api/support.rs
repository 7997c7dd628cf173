//! `TestApp`: the real router on a real socket (port 0) over a fresh database — a SQLite
//! temp file, or, with STEWARD_TEST_DATABASE_URL=postgres://…, a fresh PostgreSQL database
//! cloned from a migrated template.
#![allow(dead_code)]

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use steward_app::{App, Settings};
use steward_domain::foundation::people::NewUser;
use steward_domain::{Actor, Role};
use steward_store::{Db, DbOptions};

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

static COUNTER: AtomicUsize = AtomicUsize::new(0);
static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
static CREATE_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub fn postgres_url() -> Option<String> {
    std::env::var("STEWARD_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

pub fn backend_name() -> &'static str {
    if postgres_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_end..].find('/').map(|i| i + authority_end);
    let mut out = match path_start {
        Some(i) => format!("{}/{name}", &base[..i]),
        None => format!("{base}/{name}"),
    };
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

async fn admin_exec(url: &str, sql: &str) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// Migrates one template database per test process, after dropping databases left behind by
/// earlier runs whose process is gone.
async fn template(url: &str) -> String {
    TEMPLATE
        .get_or_init(|| async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(url)
                .await
                .expect("connect to PostgreSQL");
            let stale: Vec<String> = sqlx::query_scalar(
                "SELECT datname::text FROM pg_database WHERE datname LIKE 'steward\\_t%'",
            )
            .fetch_all(&mut conn)
            .await
            .expect("list databases");
            for name in stale {
                let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
                let alive =
                    pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
                if !alive {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await;
                }
            }
            let name = format!("steward_tpl_{}", std::process::id());
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await
            .expect("drop template");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .execute(&mut conn)
                .await
                .expect("create template");
            conn.close().await.ok();
            let db = Db::connect(&with_database(url, &name), &DbOptions::default())
                .await
                .expect("connect template");
            db.migrate().await.expect("migrate template");
            db.close().await;
            name
        })
        .await
        .clone()
}

/// The secret key test servers seal mail passwords with (unless a test gives another).
pub fn test_secret_key() -> steward_app::foundation::sealing::SecretKey {
    steward_app::foundation::sealing::SecretKey::from_hex(&"5e".repeat(32)).expect("a test key")
}

/// A fresh, migrated, empty database; returns its URL.
pub async fn fresh_database_url() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    match postgres_url() {
        Some(url) => {
            let template = template(&url).await;
            let name = format!("steward_t_{}_{n}", std::process::id());
            let _guard = CREATE_LOCK.lock().await;
            admin_exec(
                &url,
                &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
            )
            .await
            .expect("create test database");
            with_database(&url, &name)
        }
        None => {
            let dir = temp_dir(&format!("db{n}"));
            format!("sqlite://{}", dir.join("steward.db").display())
        }
    }
}

/// A new empty directory under the system temp dir, unique to this process.
pub fn temp_dir(label: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("steward-test-{}-{label}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub app: App,
    pub url: String,
    pub database_url: String,
    /// Bearer token of the `admin` user.
    pub admin: String,
    pub admin_id: i64,
    pub http: reqwest::Client,
    /// Responses that contradicted the OpenAPI document.
    pub violations: crate::contract::Violations,
}

/// A test whose responses contradicted the OpenAPI document fails, naming each.
impl Drop for TestApp {
    fn drop(&mut self) {
        let violations = std::mem::take(&mut *self.violations.lock().expect("violations"));
        if !violations.is_empty() && !std::thread::panicking() {
            panic!(
                "{} response(s) contradict the OpenAPI document:\n{}",
                violations.len(),
                violations.join("\n")
            );
        }
    }
}

/// What a request gave back: the status, the headers and the body as JSON (or a string).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn id(&self) -> i64 {
        self.body["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no id in {:?}", self.body))
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts a problem+json answer with this status, and returns it.
    #[track_caller]
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.body
        );
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "body: {}",
            self.body
        );
        assert_eq!(self.body["status"], status);
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "no detail: {}",
            self.body
        );
        &self.body
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_on(fresh_database_url().await).await
    }

    /// Serves a router over the given database (which may be shared with another TestApp, to
    /// act as a second node).
    pub async fn spawn_on(database_url: String) -> TestApp {
        Self::spawn_with(database_url, Settings::default()).await
    }

    /// A fresh database served with these settings (a manual clock, say).
    /// A server whose clock shows `at` and moves only when the test sets it.
    pub async fn spawn_at(at: jiff::Timestamp) -> (TestApp, steward_app::Clock) {
        let clock = steward_app::Clock::manual(at);
        let t = Self::spawn_with_settings(Settings {
            clock: clock.clone(),
            ..Settings::default()
        })
        .await;
        (t, clock)
    }

    pub async fn spawn_with_settings(settings: Settings) -> TestApp {
        Self::spawn_with(fresh_database_url().await, settings).await
    }

    pub async fn spawn_with(database_url: String, settings: Settings) -> TestApp {
        Self::spawn_served(
            database_url,
            settings,
            Default::default(),
            Default::default(),
        )
        .await
    }

    /// A server with these HTTP options (short timeouts, a small connection limit).
    pub async fn spawn_with_options(
        web: steward_web::WebOptions,
        serve: steward_web::ServeOptions,
    ) -> TestApp {
        Self::spawn_served(fresh_database_url().await, Settings::default(), web, serve).await
    }

    pub async fn spawn_served(
        database_url: String,
        settings: Settings,
        web: steward_web::WebOptions,
        serve: steward_web::ServeOptions,
    ) -> TestApp {
        steward_app::assurance::probe_check::install_tls_provider();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
            .with_test_writer()
            .try_init();
        let db = Db::connect(
            &database_url,
            &DbOptions {
                max_connections: 8,
                ..Default::default()
            },
        )
        .await
        .expect("connect");
        db.migrate().await.expect("migrate");
        // One fixed key for every test node, as a cluster shares one: two TestApps on one
        // database read each other's sealed passwords. A test wanting another key sets it.
        let settings = Settings {
            secret_key: settings.secret_key.or_else(|| Some(test_secret_key())),
            ..settings
        };
        let app = App::new(db, settings);
        let system = Actor::system("test");
        let admin_id = match app
            .insert_user(
                &system,
                NewUser {
                    username: "admin".into(),
                    display_name: "Admin".into(),
                    email: None,
                    role: Role::Admin,
                    organization_id: None,
                    password: Some(ADMIN_PASSWORD.into()),
                },
            )
            .await
        {
            Ok(user) => user.id,
            // A second node on the same database.
            Err(_) => {
                let mut conn = app.db().read().await.expect("read");
                steward_store::foundation::users::by_username(conn.ex(), "admin")
                    .await
                    .expect("query")
                    .expect("admin")
                    .id
            }
        };
        let (_, admin) = app
            .create_token_for(&system, "admin", "tests")
            .await
            .expect("token");
        steward_web::install_recorder();
        let router = steward_web::router(app.clone(), web);
        // Every response is held to the OpenAPI document; see `contract`.
        let violations = crate::contract::Violations::default();
        let router = crate::contract::checked(router, violations.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(steward_web::serve(
            listener,
            router,
            serve,
            std::future::pending(),
        ));
        TestApp {
            addr,
            app,
            url: format!("http://{addr}"),
            database_url,
            admin,
            admin_id,
            // Below the server's 10 s keep-alive wait: a connection the server is closing
            // is never reused (a request sent into that close is reset).
            http: reqwest::Client::builder()
                .pool_idle_timeout(std::time::Duration::from_secs(5))
                .build()
                .expect("HTTP client"),
            violations,
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(token) = auth {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        reply(req.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.send(Method::DELETE, path, Some(token), None).await
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        reply(req.send().await.expect("request")).await
    }

    pub async fn create_org(&self, name: &str) -> i64 {
        let r = self
            .post(
                "/api/v1/organizations",
                &self.admin,
                json!({ "name": name }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.id()
    }

    /// Creates a user with a password and an API token; returns (id, token).
    pub async fn user(&self, username: &str, role: &str, org: Option<i64>) -> (i64, String) {
        let r = self
            .post(
                "/api/v1/users",
                &self.admin,
                json!({ "username": username, "role": role, "organization_id": org, "password": format!("{username}-password") }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.id();
        let (_, token) = self
            .app
            .create_token_for(&Actor::system("test"), username, "tests")
            .await
            .expect("token");
        (id, token)
    }

    /// A live service for `org` with an SLA on it; `sla` holds the SLA's fields besides its
    /// name and service. Returns (service id, SLA id).
    pub async fn service_with_sla(&self, name: &str, org: i64, mut sla: Value) -> (i64, i64) {
        let service = self
            .post(
                "/api/v1/services",
                &self.admin,
                json!({"name": name, "status": "live", "customer_ids": [org]}),
            )
            .await
            .id();
        sla["name"] = json!(format!("{name} standard"));
        sla["service_id"] = json!(service);
        let r = self.post("/api/v1/slas", &self.admin, sla).await;
        assert_eq!(r.status, 201, "{}", r.body);
        (service, r.id())
    }

    /// Logs in with a password; returns (session cookie header value, csrf token).
    pub async fn login(&self, username: &str, password: &str) -> (String, String) {
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.url))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), 200);
        let cookie = r
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_owned();
        let body: Value = r.json().await.expect("json");
        (
            cookie,
            body["csrf_token"].as_str().expect("csrf").to_owned(),
        )
    }

    pub async fn audit_count(&self) -> i64 {
        self.get("/api/v1/audit?limit=1", &self.admin).await.body["total"]
            .as_i64()
            .expect("total")
    }
}

pub async fn reply(r: reqwest::Response) -> Reply {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        headers,
        body,
    }
}

/// A report's headline figure by its key.
pub fn report_figure(report: &Value, key: &str) -> f64 {
    report["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("no figure {key} in {report}"))["value"]
        .as_f64()
        .unwrap_or_else(|| panic!("figure {key} has no value"))
}

/// The first row of a report whose label starts with `label`.
pub fn report_row<'a>(report: &'a Value, label: &str) -> &'a Vec<Value> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0].as_str().is_some_and(|l| l.starts_with(label)))
        .unwrap_or_else(|| panic!("no row {label} in {report}"))
        .as_array()
        .unwrap()
}

/// Runs the `steward` binary on a database, as an operator would, with no configuration
/// from the environment that could point it elsewhere.
pub fn steward_cli(database_url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(args)
        .arg("--database-url")
        .arg(database_url)
        .env_remove("STEWARD_DATABASE_URL")
        .env_remove("STEWARD_CONFIG")
        .output()
        .expect("run steward")
}

/// As [`steward_cli`], with `stdin` on standard input (an MTA piping a message, say).
pub fn steward_cli_stdin(database_url: &str, args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(args)
        .arg("--database-url")
        .arg(database_url)
        .env_remove("STEWARD_DATABASE_URL")
        .env_remove("STEWARD_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run steward");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("steward output")
}

/// A CA and a certificate for 127.0.0.1 signed by it, made with openssl in `dir`; returns
/// the CA's PEM and the server's certificate and key files.
pub fn certificates(dir: &std::path::Path) -> (String, PathBuf, PathBuf) {
    std::fs::write(
        dir.join("ca.cnf"),
        "[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = ext\n\
         [dn]\nCN = Steward test CA\n\
         [ext]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n\
         subjectKeyIdentifier = hash\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\n\
         extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1\n\
         authorityKeyIdentifier = keyid\n",
    )
    .unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let steps: [Vec<&str>; 3] = [
        [
            &["req", "-x509", "-config", "ca.cnf"][..],
            &ec,
            &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2"],
        ]
        .concat(),
        [
            &["req", "-new", "-subj", "/CN=127.0.0.1"][..],
            &ec,
            &["-keyout", "server.key", "-out", "server.csr"],
        ]
        .concat(),
        vec![
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    ];
    for args in steps {
        let o = std::process::Command::new("openssl")
            .args(&args)
            .current_dir(dir)
            .output()
            .expect("openssl (Debian: openssl) makes the test's certificates");
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    (
        std::fs::read_to_string(dir.join("ca.pem")).unwrap(),
        dir.join("server.pem"),
        dir.join("server.key"),
    )
}

/// An instant from a test's literal, e.g. `ts("2026-12-18T15:00:00Z")`.
pub fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

/// An instant from an API field.
pub fn at(v: &Value) -> jiff::Timestamp {
    v.as_str()
        .unwrap_or_else(|| panic!("not an instant: {v}"))
        .parse()
        .unwrap()
}
