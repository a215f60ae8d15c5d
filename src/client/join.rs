//! Run a handful of futures concurrently on the single JS thread.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Wait for all `futures` (each polled in turn; none is spawned, so all of
/// them are dropped with the caller). Outputs are discarded: the workers of
/// `batchStatus` report through shared state.
pub async fn join_all<F: Future<Output = ()>>(futures: Vec<F>) {
    JoinAll { pending: futures.into_iter().map(|f| Some(Box::pin(f))).collect() }.await
}

struct JoinAll<F> {
    pending: Vec<Option<Pin<Box<F>>>>,
}

impl<F: Future<Output = ()>> Future for JoinAll<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut done = true;
        for slot in self.pending.iter_mut() {
            if let Some(future) = slot {
                if future.as_mut().poll(cx).is_ready() {
                    *slot = None;
                } else {
                    done = false;
                }
            }
        }
        if done {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}
