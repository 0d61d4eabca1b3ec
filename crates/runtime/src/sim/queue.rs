//! The simulator's event queue: a binary heap of small keys `(time,
//! sequence number, slot)` over a slab of payloads, so that sifting moves
//! 24-byte keys instead of whole events. Ties in time pop in sequence order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use ainsim_elements::Instant;

pub(super) struct Queue<T> {
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    slots: Vec<Option<T>>,
    free: Vec<u32>,
}

impl<T> Queue<T> {
    pub(super) fn new() -> Self {
        Queue { heap: BinaryHeap::new(), slots: Vec::new(), free: Vec::new() }
    }

    pub(super) fn len(&self) -> usize {
        self.heap.len()
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
        let Reverse((at, _, slot)) = *self.heap.peek()?;
        self.slots.get(slot as usize)?.as_ref().map(|t| (Instant(at), t))
    }

    /// Drops every item `keep` refuses (their slots are reused).
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
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
}
