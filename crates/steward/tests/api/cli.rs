//! The `steward` binary itself: operator commands and `serve`.
use crate::audit::tamper;
use crate::support::{fresh_database_url, postgres_url, temp_dir};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use steward_app::{App, Settings};
use steward_store::{Db, DbOptions};

use crate::support::steward_cli as steward;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

async fn app_on(url: &str) -> App {
    let db = Db::connect(url, &DbOptions::default()).await.unwrap();
    App::new(db, Settings::default())
}

#[tokio::test]
async fn user_org_and_token_commands_work_without_a_server() {
    let url = fresh_database_url().await;
    let o = steward(&url, &["migrate"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let o = steward(
        &url,
        &[
            "user",
            "create",
            "bob",
            "--role",
            "agent",
            "--email",
            "bob@example.org",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("created user bob"), "{out}");
    assert!(
        out.contains("password: "),
        "a generated password is printed: {out}"
    );

    // Customers need an organization, which must exist.
    let o = steward(
        &url,
        &[
            "user", "create", "carl", "--role", "customer", "--org", "Acme",
        ],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no organization named"),
        "{}",
        stderr(&o)
    );
    assert!(steward(&url, &["org", "create", "Acme"]).status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_steward"))
        .args([
            "user",
            "create",
            "carl",
            "--role",
            "customer",
            "--org",
            "acme",
            "--password-stdin",
            "--database-url",
            &url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"carl's secret password\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stdout(&o).contains("password:"),
        "a given password is not echoed"
    );

    let o = steward(&url, &["user", "create", "bob", "--role", "agent"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("taken"), "{}", stderr(&o));
    let o = steward(&url, &["user", "create", "x", "--role", "wizard"]);
    assert!(!o.status.success());

    let o = steward(
        &url,
        &["token", "create", "--user", "carl", "--label", "script"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let secret = stdout(&o).trim().to_owned();
    assert!(secret.starts_with("stw_"), "{secret}");
    let app = app_on(&url).await;
    let auth = app
        .authenticate_token(&secret)
        .await
        .unwrap()
        .expect("token works");
    assert_eq!(auth.actor.name, "carl");
    let login = app
        .login(
            steward_domain::foundation::access::LoginInput {
                username: "carl".into(),
                password: "carl's secret password".into(),
            },
            "127.0.0.1",
            None,
        )
        .await;
    assert!(login.is_ok(), "the stdin password is the one set");
    let o = steward(&url, &["token", "create", "--user", "nobody"]);
    assert!(!o.status.success());
    app.db().close().await;
}

#[tokio::test]
async fn audit_verify_passes_and_then_names_the_entry_someone_edited() {
    let url = fresh_database_url().await;
    for name in ["a", "b", "c"] {
        assert!(steward(&url, &["org", "create", name]).status.success());
    }
    let o = steward(&url, &["audit", "verify"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("3 entries verified"), "{}", stdout(&o));

    tamper(
        &url,
        &["UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2"],
    )
    .await;
    let o = steward(&url, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("entry 2"), "{}", stderr(&o));
}

/// A running `steward serve` and the lines it printed.
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_steward"))
            .arg("serve")
            .args(args)
            .env("STEWARD_LOG", "warn")
            .env_remove("STEWARD_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start steward serve");
        let (tx, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        Server {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line containing `needle`; returns it.
    fn wait_for(&mut self, needle: &str) -> Option<String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return Some(line);
                    }
                }
                Err(_) => return None,
            }
        }
        None
    }

    fn address(&mut self) -> String {
        let line = self
            .wait_for("serving http://")
            .unwrap_or_else(|| panic!("server did not start: {:?}", self.seen));
        line.split("http://")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "steward did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn serve_bootstraps_an_admin_and_a_second_node_on_the_same_sqlite_file_refuses() {
    steward_app::assurance::probe_check::install_tls_provider();
    if postgres_url().is_some() {
        return serve_several_nodes_on_postgres().await;
    }
    let dir = temp_dir("serve");
    let data_dir = dir.to_str().unwrap();
    let mut first = Server::start(&["--listen", "127.0.0.1:0", "--data-dir", data_dir]);
    let addr = first.address();
    assert!(
        first.seen.iter().any(|l| l.contains("password: ")),
        "{:?}",
        first.seen
    );
    let health = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let mut second = Server::start(&["--listen", "127.0.0.1:0", "--data-dir", data_dir]);
    let status = second.child.wait().unwrap();
    let message = second.wait_for("already serving");
    assert!(!status.success());
    assert!(
        message.is_some(),
        "clear message expected, got {:?}",
        second.seen
    );

    let status = first.terminate();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
    assert!(
        first.wait_for("Steward stopped").is_some(),
        "{:?}",
        first.seen
    );

    // Once the first node is gone, the file is free again; the admin already exists.
    let mut again = Server::start(&["--listen", "127.0.0.1:0", "--data-dir", data_dir]);
    again.address();
    assert!(
        !again.seen.iter().any(|l| l.contains("password: ")),
        "{:?}",
        again.seen
    );
    again.terminate();
}

async fn serve_several_nodes_on_postgres() {
    let url = fresh_database_url().await;
    // One data directory for both, as nodes of a cluster share a secret key (and so that
    // the key file is not written into the working directory).
    let dir = temp_dir("serve-pg");
    let data = dir.to_str().unwrap();
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &url,
        "--data-dir",
        data,
    ];
    let mut a = Server::start(&args);
    let mut b = Server::start(&args);
    let (addr_a, addr_b) = (a.address(), b.address());
    for addr in [addr_a, addr_b] {
        assert_eq!(
            reqwest::get(format!("http://{addr}/readyz"))
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let printed = a
        .seen
        .iter()
        .chain(b.seen.iter())
        .filter(|l| l.contains("password: "))
        .count();
    assert_eq!(printed, 1, "exactly one node creates the admin");
    assert!(a.terminate().success());
    assert!(b.terminate().success());
}

#[tokio::test]
async fn service_and_ci_imports_are_idempotent_and_all_or_nothing() {
    let url = fresh_database_url().await;
    let dir = temp_dir("import");
    assert!(steward(&url, &["org", "create", "Acme"]).status.success());
    assert!(
        steward(&url, &["user", "create", "olga", "--role", "manager"])
            .status
            .success()
    );

    let services = dir.join("services.csv");
    std::fs::write(
        &services,
        "name,status,criticality,owner,customers,depends_on,availability_target_percent\n\
         Mail,live,2,olga,Acme,DNS,99.9\n\
         DNS,live,1,,,,\n",
    )
    .unwrap();
    let path = services.to_str().unwrap();
    let o = steward(&url, &["service", "import", path]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("2 created, 0 updated"),
        "{}",
        stdout(&o)
    );
    // Running it again updates, never duplicates.
    let o = steward(&url, &["service", "import", path]);
    assert!(
        stdout(&o).contains("0 created, 2 updated"),
        "{}",
        stdout(&o)
    );

    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "name,status,criticality\nWeb,live,2\nBroken,sunset,2\nAlso bad,live,seven\n",
    )
    .unwrap();
    let o = steward(&url, &["service", "import", bad.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("line 3") && err.contains("line 4"), "{err}");

    let cis = dir.join("cis.json");
    std::fs::write(
        &cis,
        serde_json::json!([
            {"name": "mx-1", "ci_type": "server", "attributes": {"os": "debian"}},
            {"name": "postfix", "ci_type": "application", "owner": "olga",
             "relations": [{"kind": "runs_on", "target_type": "server", "target_name": "mx-1"},
                           {"kind": "depends_on", "target_type": "service", "target_name": "DNS"}]}
        ])
        .to_string(),
    )
    .unwrap();
    let o = steward(&url, &["ci", "import", cis.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("2 created, 0 updated, 2 relations added"),
        "{}",
        stdout(&o)
    );
    let o = steward(&url, &["ci", "import", cis.to_str().unwrap()]);
    assert!(
        stdout(&o).contains("0 created, 2 updated, 0 relations added"),
        "{}",
        stdout(&o)
    );

    let bad_cis = dir.join("bad.csv");
    std::fs::write(
        &bad_cis,
        "name,ci_type,runs_on\nweb-9,server,\nweb-app,application,server:nowhere\n",
    )
    .unwrap();
    let o = steward(&url, &["ci", "import", bad_cis.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("line 3"), "{}", stderr(&o));

    let app = app_on(&url).await;
    let admin = steward_domain::Actor::system("test");
    let page = steward_domain::foundation::page::PageRequest::default();
    let services = app
        .list_services(&admin, Default::default(), page)
        .await
        .unwrap();
    assert_eq!(services.total, 2, "the bad service file imported nothing");
    let mail = services.items.iter().find(|s| s.name == "Mail").unwrap();
    assert_eq!(mail.depends_on.len(), 1);
    assert_eq!(mail.customer_ids.len(), 1);
    let cis = app
        .list_cis(&admin, Default::default(), page)
        .await
        .unwrap();
    // Two service CIs plus mx-1 and postfix; web-9 from the bad file was rolled back.
    assert_eq!(cis.total, 4);
    let dns_ci = cis.items.iter().find(|c| c.name == "DNS").unwrap().id;
    let impact = app.ci_impact(&admin, dns_ci, None).await.unwrap();
    let names: Vec<&str> = impact.impacted.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["Mail", "postfix"]);
    app.db().close().await;
}
