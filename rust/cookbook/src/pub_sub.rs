//! Publish-subscribe: messages published to a topic reach every subscriber of that topic, each
//! through a buffer of its own. The hard part is the slow subscriber, and the [`Policy`] says
//! what happens to it: under [`Policy::Block`] the publisher waits for room in its buffer;
//! under [`Policy::Lag`] the publisher never waits, the buffer drops its oldest message, and
//! the subscriber's stream says how many it missed before its next message.
//!
//! # In production
//!
//! Reach for these before this module:
//!
//! - `tokio::sync::broadcast` for the lag policy on one topic: every receiver sees every
//!   message, and a receiver that falls behind gets `RecvError::Lagged(n)` before the messages
//!   it still has. Its buffer is one ring shared by every receiver, and its capacity is rounded
//!   up to a power of two, so "lag after `n` messages" is only approximate; the contract here
//!   asks for exactly `n` per subscriber, which is why each subscriber has a buffer of its own.
//! - One `tokio::sync::mpsc` channel per subscriber for the block policy: `send().await` is the
//!   publisher waiting for room, and dropping the sender ends the subscriber's stream.
//!
//! # Who ends a stream
//!
//! The bus holds the publishing end of every subscriber's buffer; the subscriber holds a
//! [`Stream`]. Unsubscribing drops the bus's end: nothing new arrives, the stream yields what
//! was already buffered, then ends. Dropping the bus drops every end at once, which is the
//! bus's close: every stream drains and ends. A subscriber that drops its [`Stream`] lets a
//! publisher blocked on its full buffer go on: nobody would ever make room.
//!
//! # One publisher
//!
//! [`Bus::subscribe`] and [`Bus::unsubscribe`] take `&mut self`: the topic map belongs to the one
//! publisher, with no lock. Several publishers would share the bus behind a lock held only to
//! read the topic's subscribers, never across the wait of a blocked publish.
//!
//! # Cancellation
//!
//! [`Bus::publish`] under block may wait; dropping its future then has put the message into
//! the buffers before the one it waited on, and not into the rest. [`Stream::next`] is cancel
//! safe: a `next` dropped while it waits has taken nothing.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroUsize;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

// --8<-- [start:pub-sub]
/// What a publish does to a subscriber whose buffer is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The publisher waits until the subscriber makes room.
    Block,
    /// The oldest message is dropped, and the subscriber is told.
    Lag,
}

/// What a subscriber's stream yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery<T> {
    /// The next message.
    Message(T),
    /// This many messages were dropped since the subscriber last read (lag only).
    Missed(u64),
}

/// Names a subscription, to unsubscribe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionId(u64);

/// Topics and their subscribers' buffers. Dropping the bus closes it: every stream drains
/// what it holds and ends.
pub struct Bus<T> {
    policy: Policy,
    buffer: NonZeroUsize,
    /// Each topic's subscribers, in the order they subscribed.
    topics: HashMap<String, Vec<(SubscriptionId, Inlet<T>)>>,
    subscriptions: u64,
}

impl<T: Clone> Bus<T> {
    /// A bus whose subscribers each get a buffer of `buffer` messages.
    pub fn new(policy: Policy, buffer: NonZeroUsize) -> Self {
        Self {
            policy,
            buffer,
            topics: HashMap::new(),
            subscriptions: 0,
        }
    }

    /// Subscribes to `topic`: every later publish to it reaches the returned stream.
    pub fn subscribe(&mut self, topic: &str) -> (SubscriptionId, Stream<T>) {
        let id = SubscriptionId(self.subscriptions);
        self.subscriptions += 1;
        let mailbox = Arc::new(Mailbox::new(self.buffer.get()));
        let subscribers = self.topics.entry(topic.to_owned()).or_default();
        subscribers.push((id, Inlet(Arc::clone(&mailbox))));
        (id, Stream(mailbox))
    }

    /// Stops new messages for `id`; its stream still yields what it had, then ends.
    pub fn unsubscribe(&mut self, id: SubscriptionId) {
        for subscribers in self.topics.values_mut() {
            // Dropping the inlet closes the subscriber's buffer.
            subscribers.retain(|(subscribed, _)| *subscribed != id);
        }
    }

    /// Puts `message` into the buffer of every current subscriber of `topic`, in the order they
    /// subscribed: under block, waiting for room in each full buffer in turn.
    pub async fn publish(&self, topic: &str, message: &T) {
        let Some(subscribers) = self.topics.get(topic) else {
            return;
        };
        for (_, inlet) in subscribers {
            match self.policy {
                Policy::Block => inlet.0.put_waiting(message.clone()).await,
                Policy::Lag => inlet.0.put_dropping_oldest(message.clone()),
            }
        }
    }
}

/// The bus's end of one subscriber's buffer: dropping it closes the buffer.
struct Inlet<T>(Arc<Mailbox<T>>);

impl<T> Drop for Inlet<T> {
    fn drop(&mut self) {
        self.0.inbox().closed = true;
        self.0.arrived.notify_one();
    }
}

/// A subscriber's end of its buffer.
pub struct Stream<T>(Arc<Mailbox<T>>);

impl<T> Stream<T> {
    /// The next delivery, waiting for one if need be; `None` once the subscriber is
    /// unsubscribed or the bus closed, and everything buffered before has been yielded.
    pub async fn next(&mut self) -> Option<Delivery<T>> {
        let mailbox = &self.0;
        loop {
            // Armed before the buffer is read: a message put after the read wakes us.
            let mut arrived = pin!(mailbox.arrived.notified());
            arrived.as_mut().enable();
            {
                let mut inbox = mailbox.inbox();
                // What was dropped comes before what is left: the notice is due first.
                if inbox.missed > 0 {
                    return Some(Delivery::Missed(std::mem::take(&mut inbox.missed)));
                }
                if let Some(message) = inbox.messages.pop_front() {
                    mailbox.taken.notify_one();
                    return Some(Delivery::Message(message));
                }
                if inbox.closed {
                    return None;
                }
            }
            arrived.await;
        }
    }

    /// The most messages this subscriber's buffer has held at once.
    pub fn max_buffered(&self) -> usize {
        self.0.inbox().max_buffered
    }
}

impl<T> Drop for Stream<T> {
    fn drop(&mut self) {
        self.0.inbox().reader_gone = true;
        // A publisher waiting for room would wait forever.
        self.0.taken.notify_one();
    }
}

/// One subscriber's buffer, shared by its inlet and its stream.
struct Mailbox<T> {
    size: usize,
    /// A std `Mutex`, not tokio's: held to put or take one message, never across an `.await`.
    inbox: Mutex<Inbox<T>>,
    /// Wakes the subscriber: a message came, or the buffer closed. One subscriber, one waiter.
    arrived: Notify,
    /// Wakes a blocked publisher: the subscriber took a message. One publisher, one waiter.
    taken: Notify,
}

struct Inbox<T> {
    messages: VecDeque<T>,
    /// Dropped since the subscriber last read.
    missed: u64,
    closed: bool,
    reader_gone: bool,
    max_buffered: usize,
}

impl<T> Mailbox<T> {
    fn new(size: usize) -> Self {
        Self {
            size,
            inbox: Mutex::new(Inbox {
                messages: VecDeque::with_capacity(size),
                missed: 0,
                closed: false,
                reader_gone: false,
                max_buffered: 0,
            }),
            arrived: Notify::new(),
            taken: Notify::new(),
        }
    }

    /// Block: waits for room, unless the subscriber is gone.
    async fn put_waiting(&self, message: T) {
        loop {
            let mut taken = pin!(self.taken.notified());
            taken.as_mut().enable();
            {
                let mut inbox = self.inbox();
                if inbox.reader_gone {
                    return;
                }
                if inbox.messages.len() < self.size {
                    inbox.put(message);
                    self.arrived.notify_one();
                    return;
                }
            }
            taken.await;
        }
    }

    /// Lag: never waits; a full buffer drops its oldest message and counts it.
    fn put_dropping_oldest(&self, message: T) {
        let mut inbox = self.inbox();
        if inbox.reader_gone {
            return;
        }
        if inbox.messages.len() == self.size {
            inbox.messages.pop_front();
            inbox.missed += 1;
        }
        inbox.put(message);
        self.arrived.notify_one();
    }

    fn inbox(&self) -> MutexGuard<'_, Inbox<T>> {
        // Poisoned only by a panic between two lines that cannot panic: the buffer is whole.
        self.inbox.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> Inbox<T> {
    fn put(&mut self, message: T) {
        self.messages.push_back(message);
        self.max_buffered = self.max_buffered.max(self.messages.len());
    }
}
// --8<-- [end:pub-sub]
