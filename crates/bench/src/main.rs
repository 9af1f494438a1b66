//! `cognate-bench`: hand-run benchmarks of a real Cognate server, one subcommand each.
//!
//! Every benchmark starts the server in-process on a fresh embedded-SQLite data directory,
//! drives it over HTTP exactly as an SDK would (SigV4 for admin calls), and prints a
//! [`report::Report`]: machine facts, the machine's crypto floor for the operation, and a
//! latency table. Never run from tests; see `bench/README.md`.
//!
//! To add a benchmark: a module with an `Args` struct and `async fn run(args) -> Result<Report>`,
//! and one variant in [`Command`]. The shared pieces are [`server`] (start, data directory),
//! [`client`] (signed JSON 1.1 and query-protocol calls), [`sample`] (timing and percentiles), [`floor`]
//! (per-operation crypto costs) and [`machine`] (facts about the host).

mod auth;
mod auth_get_user;
mod auth_ops;
mod client;
mod federation;
mod federation_upstream;
mod floor;
mod identity;
mod identity_ops;
mod list_users;
mod machine;
mod oauth;
mod oauth_ops;
mod population;
mod report;
mod sample;
mod server;
mod srp_client;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cognate-bench", about = "Benchmarks a real Cognate server over HTTP (run by hand)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// ListUsers filter latency on a large pool (seeded in bulk).
    ListUsers(list_users::Args),
    /// Sign-in (password, refresh, SRP), GetUser and SignUp throughput against the crypto floor.
    Auth(auth::Args),
    /// OAuth token endpoint (client_credentials, authorization_code) and sign-in page throughput.
    Oauth(oauth::Args),
    /// Sign-in through OIDC and SAML identity providers (in-process upstreams) via the hosted UI.
    Federation(federation::Args),
    /// Identity pools: GetCredentialsForIdentity and authorization decisions (HTTP and in process).
    Identity(identity::Args),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = runtime.block_on(async {
        match cli.command {
            Command::ListUsers(args) => list_users::run(args).await,
            Command::Auth(args) => auth::run(args).await,
            Command::Oauth(args) => oauth::run(args).await,
            Command::Federation(args) => federation::run(args).await,
            Command::Identity(args) => identity::run(args).await,
        }
    })?;
    report.print();
    Ok(())
}
