//! The `cognate` command line.

use clap::Parser;
use cognate_server::cli::{Cli, Command, KeysCommand};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // A sign-in's future nests many steps (triggers, MFA, tokens); unoptimised builds keep
    // every step's frame, so workers get more than tokio's default 2 MiB of stack.
    let runtime = match tokio::runtime::Builder::new_multi_thread().thread_stack_size(8 << 20).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cognate: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => cognate_server::serve_forever(args).await,
            Command::Keys { command: KeysCommand::Rotate { pool, serve } } => {
                cognate_server::rotate_keys(&pool, serve).await
            }
            Command::Keys { command: KeysCommand::GenerateMaster { out } } => {
                cognate_server::keys::generate_master(out.as_deref())
            }
            Command::AdminCredentials { reset_secret, serve } => {
                cognate_server::admin_credentials(reset_secret, serve).await
            }
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cognate: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
