//! The simulator's event queue: binary heaps of small keys `(time,
//! sequence number, slot)` over a slab of payloads, so that sifting moves
//! 24-byte keys instead of whole events, plus a FIFO for events due at the
//! current time (zero-latency lines, link states, starts), which need no
//! sifting at all. Pops merge the FIFO and the heaps by `(time, sequence)`:
//! ties in time pop in sequence order, whichever side holds them.
//!
//! The keys are split at a horizon: a small "near" heap holds those before
//! it, a "far" heap the rest (protocol timers minutes ahead, the phones'
//! scripted calls). Most events are frames due a millisecond on and go
//! straight to the near heap, which stays small enough for the CPU's caches;
//! when it runs dry the horizon moves [`WINDOW`] past the far heap's first
//! key and the far keys before it move over. Every near key is before every
//! far key, so the order is exactly that of one heap.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use ainsim_elements::Instant;

/// How far (microseconds) the horizon moves past the earliest far key.
const WINDOW: u64 = 16_384;

type Key = Reverse<(u64, u64, u32)>;

pub(super) struct Queue<T> {
    /// Keys before `horizon`.
    near: BinaryHeap<Key>,
    /// Keys at or after `horizon`.
    far: BinaryHeap<Key>,
    horizon: u64,
    slots: Vec<Option<T>>,
    free: Vec<u32>,
    /// Events pushed with `at` equal to the clock: sorted by construction
    /// (the clock never goes back and sequence numbers grow).
    now: VecDeque<(u64, u64, T)>,
}

impl<T> Queue<T> {
    pub(super) fn new() -> Self {
        Queue {
            near: BinaryHeap::new(),
            far: BinaryHeap::new(),
            horizon: 0,
            slots: Vec::new(),
            free: Vec::new(),
            now: VecDeque::new(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.near.len() + self.far.len() + self.now.len()
    }

    /// Queues `item` at the current time `at` (no earlier than any item
    /// pushed before); `seq` must grow with every push.
    pub(super) fn push_now(&mut self, at: Instant, seq: u64, item: T) {
        self.now.push_back((at.0, seq, item));
    }

    /// Moves the horizon when the near heap is empty (see the module docs),
    /// so that the near heap's top is the first key whenever there is one.
    fn refill(&mut self) {
        if !self.near.is_empty() {
            return;
        }
        let Some(&Reverse((first, _, _))) = self.far.peek() else { return };
        self.horizon = first.saturating_add(WINDOW);
        while let Some(&Reverse(k)) = self.far.peek() {
            if k.0 >= self.horizon {
                break;
            }
            self.far.pop();
            self.near.push(Reverse(k));
        }
    }

    /// Whether the FIFO's front comes before the heaps' first key (the near heap's top).
    fn fifo_first(&self) -> Option<bool> {
        match (self.now.front(), self.near.peek()) {
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
        let key = Reverse((at.0, seq, slot));
        if at.0 < self.horizon {
            self.near.push(key);
        } else {
            self.far.push(key);
            self.refill();
        }
    }

    /// The earliest item and its time.
    pub(super) fn peek(&self) -> Option<(Instant, &T)> {
        if self.fifo_first()? {
            return self.now.front().map(|(at, _, t)| (Instant(*at), t));
        }
        let Reverse((at, _, slot)) = *self.near.peek()?;
        self.slots.get(slot as usize)?.as_ref().map(|t| (Instant(at), t))
    }

    /// Drops every item `keep` refuses (their slots are reused).
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.now.retain(|(_, _, t)| keep(t));
        let (slots, free) = (&mut self.slots, &mut self.free);
        let mut check = |&Reverse((_, _, slot)): &Key| {
            let k = slots.get(slot as usize).and_then(Option::as_ref).is_some_and(&mut keep);
            if !k {
                if let Some(s) = slots.get_mut(slot as usize) {
                    *s = None;
                }
                free.push(slot);
            }
            k
        };
        self.near.retain(&mut check);
        self.far.retain(&mut check);
        self.refill();
    }

    /// Takes the earliest item.
    pub(super) fn pop(&mut self) -> Option<(Instant, T)> {
        if self.fifo_first()? {
            return self.now.pop_front().map(|(at, _, t)| (Instant(at), t));
        }
        let Reverse((at, _, slot)) = self.near.pop()?;
        self.refill();
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

    #[test]
    fn near_and_far_keys_pop_in_the_order_of_one_heap() {
        // A pseudo-random mix of times around and across the horizon, pushed
        // between pops as a simulation does (never before the last pop).
        let mut q = Queue::new();
        let mut all = Vec::new();
        let (mut x, mut seq, mut now) = (12345u64, 0u64, 0u64);
        let mut popped = Vec::new();
        for round in 0..2000 {
            for _ in 0..3 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let at = now + [0, 1000, x % 50_000, x % 3_000_000][(x % 4) as usize];
                if at == now && round % 2 == 0 {
                    q.push_now(Instant(at), seq, seq);
                } else {
                    q.push(Instant(at), seq, seq);
                }
                all.push((at, seq));
                seq += 1;
            }
            if let Some((t, s)) = q.pop() {
                now = t.0;
                popped.push((t.0, s));
            }
        }
        while let Some((t, s)) = q.pop() {
            popped.push((t.0, s));
        }
        // What one heap would give: every push was at or after the clock, so
        // the pops must be sorted and complete.
        assert_eq!(popped.len(), all.len());
        assert!(popped.windows(2).all(|w| w[0] < w[1]), "popped in (time, sequence) order");
        all.sort_unstable();
        assert_eq!(popped, all);
    }
}
