//! The `monqc` command-line interface.
//!
//! Exit codes: 0 every criterion passed (or the command succeeded), 1 a
//! criterion failed, 2 an error (bad input, a meter fault, a bug).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
