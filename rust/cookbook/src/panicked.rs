//! [`Panicked`]: what the pools answer in the place of a job or call that panicked.
//!
//! A panic is a bug in one job, not in the pool: the pool keeps running the others and hands
//! the panic back as that job's result, as a tokio task hands its panic to whoever joins it.
//! The caller decides what a bug means: report it beside the other results, or raise it again
//! with [`std::panic::resume_unwind`]`(panicked.into_panic())`.

use std::any::Any;
use std::error::Error;
use std::fmt;

/// A job or call that panicked: where it was in the input, and the panic's payload.
pub struct Panicked {
    index: usize,
    payload: Box<dyn Any + Send>,
}

impl Panicked {
    pub(crate) fn new(index: usize, payload: Box<dyn Any + Send>) -> Self {
        Self { index, payload }
    }

    /// The job's place in the input, counting from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The panic's message, when it has one: `panic!` gives a `&str` or a `String`, while
    /// `panic_any` may give any type at all.
    pub fn message(&self) -> Option<&str> {
        self.payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| self.payload.downcast_ref::<String>().map(String::as_str))
    }

    /// The payload, to inspect with `downcast` or to raise again with `resume_unwind`.
    pub fn into_panic(self) -> Box<dyn Any + Send> {
        self.payload
    }
}

impl fmt::Debug for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Panicked")
            .field("index", &self.index)
            .field("message", &self.message())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {} panicked", self.index)?;
        match self.message() {
            Some(message) => write!(f, ": {message}"),
            None => Ok(()),
        }
    }
}

impl Error for Panicked {}
