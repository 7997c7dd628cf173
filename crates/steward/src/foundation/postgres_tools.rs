//! Driving PostgreSQL's own `pg_dump` and `pg_restore`: they know every object type and
//! version quirk, so Steward does not reimplement them.
use anyhow::{Context, bail};
use std::path::Path;
use std::process::{Command, Output};

/// Writes a custom-format archive of the whole database (schema and data) to `file`.
pub fn dump(url: &str, file: &Path) -> anyhow::Result<()> {
    let (url, password) = split_password(url);
    let mut command = Command::new("pg_dump");
    command
        .args(["--format=custom", "--no-password", "--file"])
        .arg(file)
        .arg("--dbname")
        .arg(&url);
    run(command, password, "pg_dump")
}

/// Loads an archive into the database in one transaction. With `clean`, each object the
/// archive holds is dropped first (the target already has Steward's tables).
pub fn restore(url: &str, file: &Path, clean: bool) -> anyhow::Result<()> {
    let (url, password) = split_password(url);
    let mut command = Command::new("pg_restore");
    command.args([
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-privileges",
        "--no-password",
    ]);
    if clean {
        command.args(["--clean", "--if-exists"]);
    }
    command.arg("--dbname").arg(&url).arg(file);
    run(command, password, "pg_restore")
}

fn run(mut command: Command, password: Option<String>, tool: &str) -> anyhow::Result<()> {
    if let Some(password) = password {
        // Kept out of the command line, which other local users can read.
        command.env("PGPASSWORD", password);
    }
    let output: Output = match command.output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{tool} was not found on PATH: install PostgreSQL's client tools \
             (Debian: postgresql-client), of the server's major version or newer"
        ),
        Err(e) => return Err(e).with_context(|| format!("running {tool}")),
    };
    if !output.status.success() {
        bail!(
            "{tool} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Splits the password out of a `postgres://user:password@host/db` URL, percent-decoded.
fn split_password(url: &str) -> (String, Option<String>) {
    let (Some(scheme), Some(at)) = (url.find("://"), url.rfind('@')) else {
        return (url.to_owned(), None);
    };
    if at < scheme {
        return (url.to_owned(), None);
    }
    let userinfo = &url[scheme + 3..at];
    match userinfo.split_once(':') {
        Some((user, password)) => (
            format!("{}{user}{}", &url[..scheme + 3], &url[at..]),
            Some(percent_decode(password)),
        ),
        None => (url.to_owned(), None),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url() {
        assert_eq!(
            split_password("postgres://steward:s%40cret@db:5432/steward?sslmode=require"),
            (
                "postgres://steward@db:5432/steward?sslmode=require".to_owned(),
                Some("s@cret".to_owned())
            )
        );
        assert_eq!(
            split_password("postgres://postgres@127.0.0.1/x"),
            ("postgres://postgres@127.0.0.1/x".to_owned(), None)
        );
    }
}
