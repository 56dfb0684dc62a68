//! Stopping on SIGINT and SIGTERM (`docs/contract.md`, exit codes 130 and 143): within a
//! second whatever the runner is doing, with one line on standard error and never half an
//! answer on standard output.
//!
//! A thread of its own waits for the signals, on a runtime of its own, so that neither a case
//! that computes on every worker thread nor a read of standard input can hold it up. It then
//! ends the whole process, and with it every thread and task the runner started.

use std::io::{self, Write};
use std::process;
use std::thread;
use std::time::Duration;

use tokio::runtime::Builder;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Mutex;
use tokio::time::timeout;

use crate::Failure;

/// Held while an answer line is written, so that a signal never ends the process in the
/// middle of one.
pub(crate) static ANSWERING: Mutex<()> = Mutex::const_new(());

/// How long a signal waits for the line being written. Only a reader that has stopped reading
/// makes a write take this long; the process ends then all the same.
const GRACE: Duration = Duration::from_millis(500);

/// Starts watching for SIGINT and SIGTERM. The handlers are in place when this returns, so a
/// signal that comes after is never the default action's silent death.
pub fn stop_on_signals() -> Result<(), Failure> {
    let runtime = Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(Failure::Runtime)?;
    let (mut interrupt, mut terminate) = {
        let _context = runtime.enter();
        let listen = |kind| signal(kind).map_err(Failure::Signals);
        (
            listen(SignalKind::interrupt())?,
            listen(SignalKind::terminate())?,
        )
    };
    let watcher = move || {
        runtime.block_on(async {
            let (code, message) = tokio::select! {
                _ = interrupt.recv() => (130, "error: interrupted by SIGINT"),
                _ = terminate.recv() => (143, "error: terminated by SIGTERM"),
            };
            // Kept until the process ends: no answer starts after this.
            let _no_more_answers = timeout(GRACE, ANSWERING.lock()).await;
            // Standard error may be gone too; the exit code still says what happened.
            let _ = writeln!(io::stderr(), "{message}");
            process::exit(code)
        })
    };
    thread::Builder::new()
        .name("signals".to_owned())
        .spawn(watcher)
        .map_err(Failure::Signals)?;
    Ok(())
}
