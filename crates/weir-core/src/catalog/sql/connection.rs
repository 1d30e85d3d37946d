//! The `con` connection string of a SQL dataset's credentials, parsed into the database to open.
//!
//! Accepted spellings are `SQLAlchemy`'s, so Kedro credentials work unchanged:
//!
//! - `sqlite:///relative/path.db` (resolved against the project root, where `SQLAlchemy` would use
//!   the working directory) and `sqlite:////absolute/path.db`; `sqlite+pysqlite://` too. In-memory
//!   databases (`sqlite://`, `sqlite:///:memory:`) are refused: every load and save opens its own
//!   connection, so an in-memory table would vanish between them.
//! - `postgresql://user:password@host:port/database` (also `postgres://` and a driver suffix such
//!   as `postgresql+psycopg2://`), with the query options the `postgres` crate understands
//!   (`connect_timeout`, `application_name`, `options`...) plus `sslmode`.
//!
//! # TLS
//!
//! This build has no TLS stack for PostgreSQL. Rather than silently sending credentials and data
//! in clear text, connections follow these rules:
//!
//! - `sslmode=require`, `verify-ca` or `verify-full`: refused, whatever the host.
//! - no `sslmode`, `prefer` or `allow`: accepted for loopback hosts (`localhost`, `127.0.0.0/8`,
//!   `::1`) and Unix sockets; refused for any other host.
//! - `sslmode=disable`: accepted for any host, an explicit choice to connect unencrypted.
//!
//! The credentials never leave this module in text form: [`Connection::describe`] masks the user
//! and password, and error messages never quote the connection string.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::Secret;

/// A database a SQL dataset talks to.
#[derive(Clone)]
pub(crate) enum Connection {
    /// A SQLite database file.
    Sqlite {
        /// The file, absolute.
        path: PathBuf,
        /// The connection string as written (SQLite URLs carry no credentials).
        shown: String,
    },
    /// A PostgreSQL server.
    Postgres {
        /// Everything needed to connect, credentials included (boxed: it is large).
        config: Box<Secret<postgres::Config>>,
        /// `postgresql://***@host:port/database`.
        shown: String,
    },
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

impl Connection {
    /// Parses `con`, resolving relative SQLite paths against `root`.
    ///
    /// The error is a message that never quotes `con` (it may hold a password), and a hint.
    pub(crate) fn parse(con: &str, root: &Path) -> Result<Self, (String, String)> {
        let Some((scheme, rest)) = con.split_once("://") else {
            return Err((
                "the connection string in `con` has no `scheme://` prefix".to_owned(),
                SUPPORTED_HINT.to_owned(),
            ));
        };
        let dialect = scheme.split('+').next().unwrap_or(scheme).to_ascii_lowercase();
        match dialect.as_str() {
            "sqlite" => parse_sqlite(con, rest, root),
            "postgresql" | "postgres" => parse_postgres(rest),
            _ => Err((
                format!("connection strings of kind `{dialect}` are not supported"),
                SUPPORTED_HINT.to_owned(),
            )),
        }
    }

    /// Where the database is, without credentials: `sqlite:///data/app.db`,
    /// `postgresql://***@127.0.0.1:5432/weir`.
    pub(crate) fn describe(&self) -> &str {
        match self {
            Connection::Sqlite { shown, .. } | Connection::Postgres { shown, .. } => shown,
        }
    }
}

const SUPPORTED_HINT: &str = "write `con: sqlite:///data/app.db` (a file relative to the project root) or \
     `con: postgresql://user:password@host:5432/database` in credentials.yml";

fn parse_sqlite(con: &str, rest: &str, root: &Path) -> Result<Connection, (String, String)> {
    // SQLAlchemy: `sqlite:///relative.db` (three slashes) and `sqlite:////absolute.db` (four);
    // `sqlite://` alone is an in-memory database.
    let path = if rest.is_empty() { Some("") } else { rest.strip_prefix('/') };
    let Some(path) = path else {
        return Err((
            "a SQLite connection string needs a file after `sqlite:///`".to_owned(),
            "write e.g. `con: sqlite:///data/app.db`".to_owned(),
        ));
    };
    if path.is_empty() || path == ":memory:" {
        return Err((
            "in-memory SQLite databases are not supported: each load and save opens its own \
             connection, so the table would be gone before anyone reads it"
                .to_owned(),
            "use a file, e.g. `con: sqlite:///data/app.db`".to_owned(),
        ));
    }
    if path.contains('?') {
        return Err((
            "options after `?` in a SQLite connection string are not supported".to_owned(),
            "drop the `?...` part of `con`".to_owned(),
        ));
    }
    Ok(Connection::Sqlite { path: root.join(path), shown: con.to_owned() })
}

fn parse_postgres(rest: &str) -> Result<Connection, (String, String)> {
    let (base, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut sslmode = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", value)) => sslmode = Some(value.to_ascii_lowercase()),
            _ => kept.push(pair),
        }
    }

    let url = if kept.is_empty() {
        format!("postgresql://{base}")
    } else {
        format!("postgresql://{base}?{}", kept.join("&"))
    };
    let mut config = postgres::Config::from_str(&url).map_err(|error| {
        (
            format!("cannot read the PostgreSQL connection string in `con`: {}", redacted(&error)),
            "write it as `postgresql://user:password@host:5432/database`, percent-encoding \
             special characters in the password (e.g. `@` as `%40`)"
                .to_owned(),
        )
    })?;
    config.ssl_mode(postgres::config::SslMode::Disable);
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }

    let shown = describe_postgres(&config);
    check_tls_policy(&config, sslmode.as_deref(), &shown)?;
    Ok(Connection::Postgres { config: Box::new(Secret::new(config)), shown })
}

/// The text of a connection-string parse error. The `postgres` crate names the option at fault,
/// never its value, but the text is filtered anyway in case a future version quotes it.
fn redacted(error: &postgres::Error) -> String {
    let text = error.to_string();
    if text.contains("://") || text.contains('@') {
        return "the string is malformed".to_owned();
    }
    text
}

fn check_tls_policy(
    config: &postgres::Config,
    sslmode: Option<&str>,
    shown: &str,
) -> Result<(), (String, String)> {
    let hint_disable = "to connect without encryption anyway (a trusted network only), add \
                        `?sslmode=disable` to `con`; otherwise reach the server through a local \
                        tunnel, e.g. `ssh -L 5432:localhost:5432 host`, and connect to 127.0.0.1";
    match sslmode {
        None | Some("prefer" | "allow" | "disable") => {}
        Some("require" | "verify-ca" | "verify-full") => {
            return Err((
                format!(
                    "`sslmode={}` asks for TLS, which this build of weir does not support",
                    sslmode.unwrap_or_default()
                ),
                hint_disable.to_owned(),
            ));
        }
        Some(other) => {
            return Err((
                format!("`sslmode={other}` is not a PostgreSQL ssl mode"),
                "use `disable`, `prefer`, `require`, `verify-ca` or `verify-full`".to_owned(),
            ));
        }
    }
    if sslmode == Some("disable") || config.get_hosts().iter().all(is_local) {
        return Ok(());
    }
    Err((
        format!(
            "`{shown}` is not on this machine, and this build of weir has no TLS: the password \
             and data would cross the network unencrypted"
        ),
        hint_disable.to_owned(),
    ))
}

fn is_local(host: &postgres::config::Host) -> bool {
    match host {
        postgres::config::Host::Tcp(name) => {
            let name = name.trim_start_matches('[').trim_end_matches(']');
            name.eq_ignore_ascii_case("localhost")
                || name.parse::<IpAddr>().is_ok_and(|address| address.is_loopback())
        }
        postgres::config::Host::Unix(_) => true,
    }
}

/// `postgresql://***@host:port/database`, `***@` only when a user or password is set.
fn describe_postgres(config: &postgres::Config) -> String {
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(index, host)| {
            let port = ports.get(index).or(ports.first()).copied().unwrap_or(5432);
            match host {
                postgres::config::Host::Tcp(name) if name.contains(':') => {
                    format!("[{name}]:{port}")
                }
                postgres::config::Host::Tcp(name) => format!("{name}:{port}"),
                postgres::config::Host::Unix(path) => format!("[{}]", path.display()),
            }
        })
        .collect();
    let masked =
        if config.get_user().is_some() || config.get_password().is_some() { "***@" } else { "" };
    let database = config.get_dbname().unwrap_or_default();
    format!("postgresql://{masked}{}/{database}", hosts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(con: &str) -> Result<Connection, (String, String)> {
        Connection::parse(con, Path::new("/project"))
    }

    #[test]
    fn sqlite_paths_follow_sqlalchemy_slashes() {
        let Connection::Sqlite { path, shown } = parse("sqlite:///data/app.db").unwrap() else {
            panic!("sqlite")
        };
        assert_eq!(path, Path::new("/project/data/app.db"));
        assert_eq!(shown, "sqlite:///data/app.db");
        let Connection::Sqlite { path, .. } = parse("sqlite+pysqlite:////tmp/x.db").unwrap() else {
            panic!("sqlite")
        };
        assert_eq!(path, Path::new("/tmp/x.db"));
        assert!(parse("sqlite://").unwrap_err().0.contains("in-memory"));
        assert!(parse("sqlite:///:memory:").unwrap_err().0.contains("in-memory"));
    }

    #[test]
    fn postgres_urls_hide_the_credentials() {
        for con in [
            "postgresql://scott:tiger@127.0.0.1:5433/test",
            "postgresql+psycopg2://scott:tiger@127.0.0.1:5433/test",
            "postgres://scott:tiger@127.0.0.1:5433/test?application_name=weir",
        ] {
            let connection = parse(con).unwrap();
            assert_eq!(connection.describe(), "postgresql://***@127.0.0.1:5433/test", "{con}");
            assert!(!format!("{connection:?}").contains("tiger"), "{con}");
        }
        let connection = parse("postgresql://localhost/test").unwrap();
        assert_eq!(connection.describe(), "postgresql://localhost:5432/test");
    }

    #[test]
    fn tls_is_refused_rather_than_skipped() {
        let (message, hint) =
            parse("postgresql://scott:tiger@127.0.0.1/test?sslmode=require").unwrap_err();
        assert!(message.contains("does not support"), "{message}");
        assert!(hint.contains("sslmode=disable"), "{hint}");
        let (message, _) = parse("postgresql://scott:tiger@db.example.com/test").unwrap_err();
        assert!(message.contains("unencrypted"), "{message}");
        assert!(!message.contains("tiger"), "{message}");
        assert!(parse("postgresql://scott:tiger@db.example.com/test?sslmode=disable").is_ok());
        assert!(parse("postgresql://scott@[::1]:5432/test").is_ok());
    }

    #[test]
    fn unsupported_kinds_never_echo_the_string() {
        let (message, _) = parse("mysql://root:hunter2@db/app").unwrap_err();
        assert!(message.contains("`mysql`") && !message.contains("hunter2"), "{message}");
        let (message, _) = parse("postgresql://root:hunter2@127.0.0.1:notaport/app").unwrap_err();
        assert!(!message.contains("hunter2"), "{message}");
    }
}
