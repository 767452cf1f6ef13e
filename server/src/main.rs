//! `monqc-server`: the records server of a hospital's display QC programme.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use monqc_server::db::{Db, Role};
use monqc_server::ingest::Ingest;
use monqc_server::serve::{self, TlsFiles};
use monqc_server::web::{self, AppState, Config};
use monqc_server::{auth, fleet};

/// Collects, verifies, shows and schedules the QC records of a hospital's
/// medical displays.
///
/// With no subcommand it serves the dashboard and the push API. Storage is
/// PostgreSQL (`--database postgres://…`) or an embedded SQLite file
/// (`--database sqlite:PATH`, the default `monqc-server.sqlite3`).
///
/// Exit codes: 0 success, 2 an error (the message says what and how to fix it).
#[derive(Debug, Parser)]
#[command(name = "monqc-server", version)]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Args)]
struct DbArgs {
    /// postgres://USER@HOST/DB, or sqlite:PATH for the embedded store
    /// [default: sqlite:monqc-server.sqlite3; with --demo a temporary one].
    #[arg(long, env = "MONQC_SERVER_DATABASE", global = true)]
    database: Option<String>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Seed a small simulated fleet (two sites, two years of records made by
    /// the simulated bench) and accounts `physicist` and `inspector`.
    #[arg(long)]
    demo: bool,
    /// Password of the demo accounts [default: a random one, printed].
    #[arg(long, env = "MONQC_DEMO_PASSWORD")]
    demo_password: Option<String>,
    /// Serve HTTPS directly: PEM certificate chain.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// Serve HTTPS directly: PEM private key.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Session cookies without the Secure flag: only for a plain-HTTP trial
    /// reached by a name other than localhost (browsers send Secure cookies
    /// over http only to localhost).
    #[arg(long)]
    insecure_cookies: bool,
    /// Where verification builds its scratch data directories [default: the
    /// system's temporary directory].
    #[arg(long)]
    scratch_dir: Option<PathBuf>,
    /// The sites' UTC offset for local times and due dates, e.g. +09:00
    /// [default: this machine's]. Servers sharing a database must agree.
    #[arg(long, value_parser = parse_offset)]
    utc_offset: Option<chrono::FixedOffset>,
    /// Do not print a line per request.
    #[arg(long)]
    quiet: bool,
}

fn parse_offset(s: &str) -> Result<chrono::FixedOffset, String> {
    s.parse().map_err(|_| format!("`{s}` is not a UTC offset like +09:00"))
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Add a site (hospital, campus).
    Site {
        #[command(subcommand)]
        command: SiteCommand,
    },
    /// Add a person's account, or change its password.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Issue an API token (printed once; the server keeps only its hash).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Debug, Subcommand)]
enum SiteCommand {
    /// Add a site.
    Add {
        /// Its name.
        name: String,
    },
    /// List the sites.
    List,
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Add a physicist or an inspector; the password is read from
    /// MONQC_PASSWORD or the first line of standard input.
    Add {
        /// Login name.
        name: String,
        /// physicist (manages displays and schedules) or inspector (reads).
        #[arg(long)]
        role: Role,
    },
    /// Set a new password (MONQC_PASSWORD or standard input).
    Password {
        /// Login name.
        name: String,
    },
    /// List the accounts.
    List,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// A token for a workstation to push with (the workstation's account is
    /// made when new).
    Workstation {
        /// The workstation's name.
        name: String,
        /// The site it pushes for (made when new).
        #[arg(long)]
        site: String,
    },
    /// A token for a person's account (an inspector reading records by API).
    Account {
        /// Login name.
        name: String,
    },
}

fn password() -> anyhow::Result<String> {
    let pw = match std::env::var("MONQC_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("password (one line on standard input):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).context("cannot read standard input")?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    if pw.chars().count() < 10 {
        bail!("the password must have at least 10 characters");
    }
    Ok(pw)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let demo_dir = (cli.serve.demo && cli.db.database.is_none() && cli.command.is_none())
        .then(|| tempfile::Builder::new().prefix("monqc-server-demo-").tempdir())
        .transpose()
        .context("cannot make a temporary directory for the demo database")?;
    let url = match (&cli.db.database, &demo_dir) {
        (Some(u), _) => u.clone(),
        (None, Some(d)) => format!("sqlite:{}", d.path().join("demo.sqlite3").display()),
        (None, None) => "sqlite:monqc-server.sqlite3".into(),
    };
    let db = Db::connect(&url).await.with_context(|| format!("cannot open the database {url}"))?;
    match cli.command {
        Some(Command::Site { command: SiteCommand::Add { name } }) => {
            let s = db.site_add(&name).await?;
            println!("site {} ({})", s.name, s.id);
        }
        Some(Command::Site { command: SiteCommand::List }) => {
            for s in db.sites().await? {
                println!("{}\t{}", s.id, s.name);
            }
        }
        Some(Command::Account { command: AccountCommand::Add { name, role } }) => {
            if role == Role::Workstation {
                bail!(
                    "workstations have tokens, not passwords: use `monqc-server token workstation`"
                );
            }
            let hash = auth::hash_password(&password()?);
            db.account_add(&name, role, None, Some(&hash)).await?;
            db.audit("monqc-server", "account-add", &name, role.id()).await?;
            println!("added {} account {name}", role.id());
        }
        Some(Command::Account { command: AccountCommand::Password { name } }) => {
            let a =
                db.account_by_name(&name).await?.with_context(|| format!("no account {name}"))?;
            db.account_set_password(a.id, &auth::hash_password(&password()?)).await?;
            db.audit("monqc-server", "password-set", &name, "").await?;
            println!("password of {name} changed");
        }
        Some(Command::Account { command: AccountCommand::List }) => {
            for a in db.accounts().await? {
                println!("{}\t{}", a.name, a.role.id());
            }
        }
        Some(Command::Token { command: TokenCommand::Workstation { name, site } }) => {
            if let Some(a) = db.account_by_name(&name).await?
                && a.role != Role::Workstation
            {
                bail!("`{name}` is a {} account, not a workstation", a.role.id());
            }
            let token = fleet::workstation(&db, &site, &name).await?;
            db.audit("monqc-server", "token-add", &name, &format!("workstation at {site}")).await?;
            eprintln!(
                "token for workstation {name} at {site} (shown once; give it to monqc push as MONQC_SERVER_TOKEN):"
            );
            println!("{token}");
        }
        Some(Command::Token { command: TokenCommand::Account { name } }) => {
            let a =
                db.account_by_name(&name).await?.with_context(|| format!("no account {name}"))?;
            let token = auth::new_token();
            db.token_add(a.id, &auth::token_hash(&token)).await?;
            db.audit("monqc-server", "token-add", &name, a.role.id()).await?;
            eprintln!("API token for {name} (shown once):");
            println!("{token}");
        }
        None => serve_command(db, cli.serve, &url).await?,
    }
    Ok(())
}

async fn serve_command(db: Db, args: ServeArgs, url: &str) -> anyhow::Result<()> {
    let db = db.with_utc_offset(args.utc_offset.unwrap_or(*chrono::Local::now().offset()));
    // Each display's stored due dates, worked out with this server's
    // intervals and offset (a no-op when nothing changed).
    db.refresh_statuses().await.context("cannot work out the displays' due dates")?;
    let config = Config {
        secure_cookies: !args.insecure_cookies,
        access_log: !args.quiet,
        ..Config::default()
    };
    let ingest = Ingest::new(db.clone(), args.scratch_dir.clone());
    let state = AppState { ingest: ingest.clone(), config: Arc::new(config) };
    let listener = serve::bind(&args.listen)?;
    let addr = listener.local_addr()?;
    let scheme = if args.tls_cert.is_some() { "https" } else { "http" };
    let host =
        if addr.ip().is_unspecified() { "localhost".to_string() } else { addr.ip().to_string() };
    let base = format!("{scheme}://{host}:{}", addr.port());
    if args.demo {
        let password =
            args.demo_password.clone().unwrap_or_else(|| auth::new_token()[..16].to_string());
        eprintln!(
            "monqc-server: seeding the demo fleet (records made by the simulated bench, verified on ingest)…"
        );
        let fleet = fleet::seed_demo(&ingest, state.today(), &password).await?;
        eprintln!(
            "monqc-server: demo: {} displays, {} records in {url}\n  \
             sign in at {base}/ as `physicist` or `inspector`, password {password}\n  \
             push a workstation's records: MONQC_SERVER_TOKEN={} monqc push --server {base}",
            fleet.displays, fleet.records, fleet.push_token
        );
    }
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        _ => None,
    };
    // The line tests and scripts wait for.
    println!("monqc-server: listening on {base}");
    serve::serve(listener, web::router(state), tls).await?;
    db.close().await;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("monqc-server: error: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("monqc-server: error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}
