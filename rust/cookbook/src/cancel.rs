//! A cancellation signal that any number of tasks wait on: the part of tokio-util's
//! `CancellationToken` that the timeout and the error group need, on a `watch` channel of
//! tokio's own.
//!
//! # The signal is the channel closing
//!
//! [`Cancel`] holds the channel's only sender and nothing is ever sent: cancelling is dropping
//! it. So a `Cancel` that goes away for any other reason (its owner returned early, panicked,
//! or its future was dropped) cancels too, and no code path can forget to. A closed channel is
//! also a state rather than an event: a [`Cancelled`] cloned, or first awaited, after the
//! cancellation sees it at once, where a value sent on a channel is only seen by those who were
//! already listening.
//!
//! # Cooperative
//!
//! A signal stops nothing by itself: a task stops when it awaits [`Cancelled::cancelled`],
//! typically in a `select!` beside its work, and so it stops at a point of its choosing, with
//! code after that point still to run (a cleanup, a report). That is the difference from
//! `JoinHandle::abort`, which drops the task's future wherever it waits.

use tokio::sync::watch;

/// The cancelling half: dropping it, or [`Cancel::cancel`], cancels every [`Cancelled`] of its
/// pair.
#[derive(Debug)]
pub struct Cancel(watch::Sender<()>);

/// The waiting half, cloned into every task that must stop when its pair is cancelled.
#[derive(Debug, Clone)]
pub struct Cancelled(watch::Receiver<()>);

/// A new signal, not cancelled yet.
pub fn signal() -> (Cancel, Cancelled) {
    let (sender, receiver) = watch::channel(());
    (Cancel(sender), Cancelled(receiver))
}

impl Cancel {
    /// Cancels: the same as dropping it, said out loud.
    pub fn cancel(self) {
        drop(self.0);
    }
}

impl Cancelled {
    /// Returns once cancelled, at once if it already is. Cancel-safe: a `select!` that drops it
    /// loses nothing, and the next call sees the same state.
    pub async fn cancelled(&self) {
        // A clone of its own, so that waiting needs no `&mut` and any number of waits can run.
        let mut receiver = self.0.clone();
        // Nothing is ever sent, so `changed` returns only once the sender is gone, as an error.
        let _closed = receiver.changed().await;
    }

    /// Whether it has been cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.has_changed().is_err()
    }
}
