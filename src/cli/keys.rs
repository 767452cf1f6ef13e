//! `monqc keys`: the key that signs this site's records.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use monqc::office::site::{self, Site};
use monqc::records::record;
use monqc::records::signing::{self, SigningKey};
use monqc::records::store::Store;

use super::{Outcome, data_dir};

/// Create or show the Ed25519 key that signs this site's records. The
/// private key stays outside the data directory ($MONQC_SIGNING_KEY, else
/// ~/.config/monqc/signing-key), readable by its owner only; its public key
/// goes into site.toml, into the record index and into every record.
#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create the signing key (or take the one already in the key file) and
    /// introduce it to this data directory: from then on every record,
    /// amendment and index line is signed with it.
    Create {
        /// Key file [default: $MONQC_SIGNING_KEY, else ~/.config/monqc/signing-key].
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// The key this data directory already signs with, to endorse a new one.
        #[arg(long, value_name = "FILE")]
        endorse_with: Option<PathBuf>,
        /// Who introduces the key [default: $USER].
        #[arg(long)]
        by: Option<String>,
    },
    /// The key file's public key and fingerprint, and the keys this data
    /// directory signs with.
    Show,
}

/// The key file: `$MONQC_SIGNING_KEY`, else `signing-key` in the platform's
/// configuration directory (`~/.config/monqc/signing-key` on Linux).
pub fn key_path() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("MONQC_SIGNING_KEY") {
        anyhow::ensure!(!p.is_empty(), "MONQC_SIGNING_KEY is set but empty; give it the key file");
        return Ok(PathBuf::from(p));
    }
    dirs::config_dir()
        .map(|d| signing::default_key_path(&d))
        .context("no configuration directory on this platform; set MONQC_SIGNING_KEY")
}

pub fn run(args: KeysArgs) -> anyhow::Result<Outcome> {
    let store = Store::open(&data_dir()?)?;
    match args.command {
        KeysCommand::Create { key, endorse_with, by } => {
            let path = match key {
                Some(p) => p,
                None => key_path()?,
            };
            anyhow::ensure!(
                !store.contains(&path),
                "{} is inside the data directory {}; the private key must be kept outside it \
                 (a copy of the data directory must not carry the key that vouches for it)",
                path.display(),
                store.root().display()
            );
            let key = if std::fs::symlink_metadata(&path).is_ok() {
                let key = SigningKey::load(&path)?;
                note!("using the signing key already in {}", path.display());
                key
            } else {
                let key = SigningKey::create(&path)?;
                note!("created a signing key in {} (readable by you only)", path.display());
                key
            };
            let endorser = endorse_with.map(|p| SigningKey::load(&p)).transpose()?;
            let by =
                by.unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
            // site.toml first: a crash before the index line leaves a key the
            // site names but the index has not introduced, which running
            // this again completes.
            site::add_signing_key(&store, &key.public_key())?;
            let introduced =
                record::introduce_key(&store, &key, endorser.as_ref(), &by, chrono::Utc::now)
                    .context(
                        "a data directory that signs already takes a new key only endorsed by \
                         its key: give --endorse-with FILE",
                    )?;
            say!("public key   {}", key.public_key())?;
            say!("fingerprint  {}", signing::fingerprint(&key.public_key()))?;
            if introduced {
                say!(
                    "introduced to {}: every record, amendment and index line from now on is signed",
                    store.root().display()
                )?;
            } else {
                say!("already introduced to {}", store.root().display())?;
            }
            say!(
                "keep the fingerprint where the records' readers can compare it (the records \
                 server, the QC binder); keep the key file private and backed up"
            )?;
        }
        KeysCommand::Show => {
            let path = key_path()?;
            match SigningKey::load(&path) {
                Ok(key) => {
                    say!("key file     {}", path.display())?;
                    say!("public key   {}", key.public_key())?;
                    say!("fingerprint  {}", signing::fingerprint(&key.public_key()))?;
                }
                Err(e) => say!("key file     {} ({e})", path.display())?,
            }
            let site = Site::load(&store.site_file())?;
            for k in site.signing.iter().flat_map(|s| &s.public_keys) {
                say!("site.toml    {} ({})", k, signing::fingerprint(k))?;
            }
            let introduced = record::signing_keys(&store)?;
            if introduced.is_empty() {
                say!(
                    "index        no key introduced: records are not signed (`monqc keys create`)"
                )?;
            }
            for k in introduced {
                say!("index        {} ({})", k, signing::fingerprint(&k))?;
            }
        }
    }
    Ok(Outcome::Pass)
}
