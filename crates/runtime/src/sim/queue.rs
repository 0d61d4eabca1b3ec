//! The simulator's event queue: a binary heap of small keys `(time,
//! sequence number, slot)` over a slab of payloads, so that sifting moves
//! 24-byte keys instead of whole events, plus a FIFO for events due at the
//! current time (zero-latency lines, link states, starts), which need no
//! sifting at all. Pops merge the two by `(time, sequence)`: ties in time pop
//! in sequence order, whichever side holds them.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use ainsim_elements::Instant;

pub(super) struct Queue<T> {
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    slots: Vec<Option<T>>,
    free: Vec<u32>,
    /// Events pushed with `at` equal to the clock: sorted by construction
    /// (the clock never goes back and sequence numbers grow).
    now: VecDeque<(u64, u64, T)>,
}

impl<T> Queue<T> {
    pub(super) fn new() -> Self {
        Queue { heap: BinaryHeap::new(), slots: Vec::new(), free: Vec::new(), now: VecDeque::new() }
    }

    pub(super) fn len(&self) -> usize {
        self.heap.len() + self.now.len()
    }

    /// Queues `item` at the current time `at` (no earlier than any item
    /// pushed before); `seq` must grow with every push.
    pub(super) fn push_now(&mut self, at: Instant, seq: u64, item: T) {
        self.now.push_back((at.0, seq, item));
    }

    /// Whether the FIFO's front comes before the heap's top.
    fn fifo_first(&self) -> Option<bool> {
        match (self.now.front(), self.heap.peek()) {
            (None, None) => None,
            (Some(_), None) => Some(true),
            (None, Some(_)) => Some(false),
            (Some(&(at, seq, _)), Some(&Reverse((hat, hseq, _)))) => Some((at, seq) < (hat, hseq)),
        }
    }

    /// Queues `item` at `at`; `seq` must grow with every push.
    pub(super) fn push(&mut self, at: Instant, seq: u64, item: T) {
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(item);
                s
            }
            None => {
                self.slots.push(Some(item));
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.heap.push(Reverse((at.0, seq, slot)));
    }

    /// The earliest item and its time.
    pub(super) fn peek(&self) -> Option<(Instant, &T)> {
        if self.fifo_first()? {
            return self.now.front().map(|(at, _, t)| (Instant(*at), t));
        }
        let Reverse((at, _, slot)) = *self.heap.peek()?;
        self.slots.get(slot as usize)?.as_ref().map(|t| (Instant(at), t))
    }

    /// Drops every item `keep` refuses (their slots are reused).
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.now.retain(|(_, _, t)| keep(t));
        let (slots, free) = (&mut self.slots, &mut self.free);
        self.heap.retain(|&Reverse((_, _, slot))| {
            let k = slots.get(slot as usize).and_then(Option::as_ref).is_some_and(&mut keep);
            if !k {
                if let Some(s) = slots.get_mut(slot as usize) {
                    *s = None;
                }
                free.push(slot);
            }
            k
        });
    }

    /// Takes the earliest item.
    pub(super) fn pop(&mut self) -> Option<(Instant, T)> {
        if self.fifo_first()? {
            return self.now.pop_front().map(|(at, _, t)| (Instant(at), t));
        }
        let Reverse((at, _, slot)) = self.heap.pop()?;
        let item = self.slots.get_mut(slot as usize)?.take()?;
        self.free.push(slot);
        Some((Instant(at), item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_sequence_and_reuses_slots() {
        let mut q = Queue::new();
        q.push(Instant(5), 0, "late");
        q.push(Instant(1), 1, "first");
        q.push(Instant(1), 2, "second");
        assert_eq!(q.peek().map(|(t, s)| (t, *s)), Some((Instant(1), "first")));
        assert_eq!(q.pop(), Some((Instant(1), "first")));
        q.push(Instant(1), 3, "third");
        assert_eq!(q.slots.len(), 3);
        assert_eq!(q.pop(), Some((Instant(1), "second")));
        assert_eq!(q.pop(), Some((Instant(1), "third")));
        assert_eq!(q.pop(), Some((Instant(5), "late")));
        assert_eq!(q.pop(), None);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn the_fifo_of_events_due_now_merges_by_time_and_sequence() {
        let mut q = Queue::new();
        q.push(Instant(1), 0, "heap, first");
        q.push(Instant(1), 2, "heap, third");
        q.push_now(Instant(1), 1, "fifo, second");
        q.push_now(Instant(1), 3, "fifo, fourth");
        q.push(Instant(2), 4, "later");
        q.retain(|s| !s.contains("fourth"));
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, s)| s)).collect();
        assert_eq!(order, ["heap, first", "fifo, second", "heap, third", "later"]);
    }
}
