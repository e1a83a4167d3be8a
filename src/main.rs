use clap::Parser;
use destroy_then_generate::cli::{run, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    // A process-wide setting, so it is made here and not by the library: training
    // reuses freed buffers instead of mapping fresh pages (see `fast_cpu`).
    destroy_then_generate::fast_cpu::keep_freed_buffers();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version are not errors: print them in full.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        // Bad arguments: clap's first line names the problem; keep just that one line.
        Err(e) => {
            let rendered = e.render().to_string();
            eprintln!(
                "{}",
                rendered
                    .lines()
                    .next()
                    .unwrap_or("error: invalid arguments")
            );
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
