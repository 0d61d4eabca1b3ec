//! The simulator's event queue: a two-level timing wheel over a slab of
//! payloads, with a binary heap of small keys `(time, sequence number, slot)`
//! for what lies beyond the second level.
//!
//! Level one has one-microsecond buckets for the current and the next block
//! of [`BLOCK`] microseconds (a frame due a millisecond on is always there);
//! level two has one bucket per block for the next [`LEVEL2`] blocks (about
//! nine minutes: scripted calls, and protocol timers up to T5's five
//! minutes); the heap holds the rest. Each level-one bucket holds the events
//! of one instant as a FIFO list threaded through the slab. Sequence numbers
//! grow with every push, so a bucket is in sequence order by construction and
//! popping needs no comparison at all: the next event is the head of the
//! first non-empty bucket, found with a bitmap (one bit per bucket, one
//! summary bit per 64 buckets). A level-two bucket is a LIFO list (a push
//! touches only the bucket); when the window reaches its block, the list is
//! walked newest first and each entry put at the front of its level-one
//! bucket, which restores push order within every instant. Keys move from
//! the heap to level two (or one) as soon as their block comes in range,
//! before anything else can be pushed there, so each instant stays in
//! sequence order. An item pushed earlier than the last pop (the simulator
//! pops stale events ahead of its clock when it peeks, then may schedule at
//! its clock) goes to a third, "early" heap, which pops before the rest. The
//! order of pops is exactly that of one heap ordered by `(time, sequence)`.
//!
//! Why two levels: a scripted phone sets all its call timers at start (200
//! each in `ainsim bench`), and every call leaves cancelled T7/T9/T1/T5
//! timers behind; in one heap those were hundreds of thousands of keys whose
//! pops each missed the cache a dozen times.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use ainsim_elements::Instant;

/// Buckets of level one, one per microsecond: the block of the last pop and
/// the next one (events due at least [`BLOCK`] microseconds after the last
/// pop are always there: a millisecond link's frames, with room for jitter).
const WHEEL: usize = 4096;
const WORDS: usize = WHEEL / 64;
const _: () = assert!(WORDS <= 64, "one summary word");
/// Microseconds per block: level one holds the blocks `c` and `c + 1`, where
/// `c` is the block of the last pop.
const BLOCK: u64 = (WHEEL / 2) as u64;
/// Buckets of level two, one per block: blocks `c + 2` to `c + 1 + LEVEL2`
/// (2¹⁸ × 2.048 ms ≈ 537 s).
const LEVEL2: usize = 1 << 18;
const WORDS2: usize = LEVEL2 / 64;
const SUMMARY2: usize = WORDS2 / 64;

/// No slot (end of a bucket's list).
const NIL: u32 = u32::MAX;

type Key = Reverse<(u64, u64, u32)>;

/// One cache line for the simulator's 48-byte events: a pop reads one line.
#[repr(align(64))]
struct Entry<T> {
    at: u64,
    /// The next entry of the same bucket (`NIL`: last).
    next: u32,
    /// The previous entry of the same bucket, valid unless this entry is the
    /// bucket's head (pops do not write the new head's `prev`: [`Queue::remove`]
    /// checks for the head first).
    prev: u32,
    item: Option<T>,
}

/// Where the earliest item is.
#[derive(Clone, Copy)]
enum Src {
    Early,
    Bucket(usize),
    /// In level two or the heap: the window must move onto it first.
    Later(u64),
}

pub(super) struct Queue<T> {
    /// The latest time popped: every level-one entry is in `[base, (block + 2) × BLOCK)`,
    /// every `early` key before `base`.
    base: u64,
    /// `base / BLOCK`.
    block: u64,
    /// Keys pushed before `base` (rare).
    early: BinaryHeap<Key>,
    /// `(head, tail)` slot of each level-one bucket's list, by `time % WHEEL`.
    buckets: Box<[(u32, u32)]>,
    /// Bit `b % 64` of word `b / 64`: bucket `b` is not empty.
    bits: [u64; WORDS],
    /// Bit `w`: word `w` of `bits` is not zero.
    summary: u64,
    /// Head slot + 1 (0: empty) of each level-two bucket's list, by `block % LEVEL2`.
    heads2: Vec<u32>,
    bits2: Vec<u64>,
    summary2: Vec<u64>,
    /// Items in level two.
    len2: usize,
    /// Keys of blocks `block + 2 + LEVEL2` and later.
    far: BinaryHeap<Key>,
    slots: Vec<Entry<T>>,
    free: Vec<u32>,
    len: usize,
}

impl<T> Queue<T> {
    pub(super) fn new() -> Self {
        Queue {
            base: 0,
            block: 0,
            early: BinaryHeap::new(),
            buckets: vec![(NIL, NIL); WHEEL].into_boxed_slice(),
            bits: [0; WORDS],
            summary: 0,
            // Zeroed: the allocator hands out untouched pages for these.
            heads2: vec![0; LEVEL2],
            bits2: vec![0; WORDS2],
            summary2: vec![0; SUMMARY2],
            len2: 0,
            far: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Queues `item` at the current time `at` (no earlier than any item
    /// pushed before); `seq` must grow with every push. Returns its slot.
    pub(super) fn push_now(&mut self, at: Instant, seq: u64, item: T) -> u32 {
        self.push(at, seq, item)
    }

    #[inline(always)]
    fn alloc(&mut self, at: u64, item: T) -> u32 {
        match self.free.pop() {
            Some(s) => {
                // Field by field: a whole `Entry` was built on the stack and
                // copied in, its loads waiting on the narrower stores.
                let e = &mut self.slots[s as usize];
                e.at = at;
                e.next = NIL;
                e.prev = NIL;
                e.item = Some(item);
                s
            }
            None => {
                self.slots.push(Entry { at, next: NIL, prev: NIL, item: Some(item) });
                u32::try_from(self.slots.len() - 1).unwrap_or(NIL)
            }
        }
    }

    /// Appends slot `s` (due at `at`, inside level one) to its bucket.
    fn append(&mut self, at: u64, s: u32) {
        let b = (at % WHEEL as u64) as usize;
        let (head, tail) = self.buckets[b];
        if head == NIL {
            self.buckets[b] = (s, s);
            self.mark(b);
        } else {
            self.slots[tail as usize].next = s;
            self.slots[s as usize].prev = tail;
            self.buckets[b].1 = s;
        }
    }

    /// Puts slot `s` (due at `at`, inside level one) at the front of its bucket.
    fn prepend(&mut self, at: u64, s: u32) {
        let b = (at % WHEEL as u64) as usize;
        let (head, tail) = self.buckets[b];
        if head == NIL {
            self.slots[s as usize].next = NIL;
            self.buckets[b] = (s, s);
            self.mark(b);
        } else {
            self.slots[s as usize].next = head;
            self.slots[head as usize].prev = s;
            self.buckets[b] = (s, tail);
        }
    }

    fn mark(&mut self, b: usize) {
        self.bits[b / 64] |= 1 << (b % 64);
        self.summary |= 1 << (b / 64);
    }

    /// Puts slot `s` (due at `at`, inside level two) at the front of its block's list.
    fn push2(&mut self, at: u64, s: u32) {
        let i = ((at / BLOCK) % LEVEL2 as u64) as usize;
        let head = self.heads2[i];
        self.slots[s as usize].next = if head == 0 { NIL } else { head - 1 };
        if head != 0 {
            self.slots[(head - 1) as usize].prev = s;
        }
        self.heads2[i] = s + 1;
        if head == 0 {
            self.bits2[i / 64] |= 1 << (i % 64);
            self.summary2[i / 4096] |= 1 << (i / 64 % 64);
        }
        self.len2 += 1;
    }

    /// Takes level-two bucket `i`'s list (its head slot).
    fn take2(&mut self, i: usize) -> u32 {
        let head = std::mem::take(&mut self.heads2[i]);
        if head == 0 {
            return NIL;
        }
        self.bits2[i / 64] &= !(1 << (i % 64));
        if self.bits2[i / 64] == 0 {
            self.summary2[i / 4096] &= !(1 << (i / 64 % 64));
        }
        head - 1
    }

    /// The first non-empty level-two bucket at or after index `from` (no wrap).
    fn next2(&self, from: usize) -> Option<usize> {
        if from >= LEVEL2 {
            return None;
        }
        let w = from / 64;
        let here = self.bits2[w] & (!0u64 << (from % 64));
        if here != 0 {
            return Some(w * 64 + here.trailing_zeros() as usize);
        }
        // Later words, through the summary.
        let mut sw = (w + 1) / 64;
        let mut mask = if (w + 1) % 64 == 0 { !0u64 } else { !0u64 << ((w + 1) % 64) };
        while sw < SUMMARY2 {
            let s = self.summary2[sw] & mask;
            if s != 0 {
                let word = sw * 64 + s.trailing_zeros() as usize;
                return Some(word * 64 + self.bits2[word].trailing_zeros() as usize);
            }
            sw += 1;
            mask = !0;
        }
        None
    }

    /// The first non-empty level-two block from `block + 2` on, as a block number.
    fn first_block2(&self) -> Option<u64> {
        if self.len2 == 0 {
            return None;
        }
        let first = self.block + 2;
        let start = (first % LEVEL2 as u64) as usize;
        let i = self.next2(start).or_else(|| self.next2(0))?;
        Some(first + ((i + LEVEL2 - start) % LEVEL2) as u64)
    }

    /// Queues `item` at `at`; `seq` must grow with every push. Returns its
    /// slot (for [`Queue::remove`], valid until the item is popped or dropped).
    pub(super) fn push(&mut self, at: Instant, seq: u64, item: T) -> u32 {
        let s = self.alloc(at.0, item);
        self.link(at.0, seq, s);
        s
    }

    /// Puts `item` in a slot of its own without queueing it: [`Queue::place`]
    /// queues it later, [`Queue::unpark`] takes it back. (The simulator parks
    /// a frame first thing, so that its bytes are written once, straight
    /// into the slot, not kept on the stack while the link is read and
    /// copied from there in pieces the stores before it do not match.)
    #[inline(always)]
    pub(super) fn park(&mut self, item: T) -> u32 {
        self.alloc(0, item)
    }

    /// Queues the item parked in slot `s` at `at`; `seq` as for [`Queue::push`].
    pub(super) fn place(&mut self, s: u32, at: Instant, seq: u64) {
        if let Some(e) = self.slots.get_mut(s as usize) {
            e.at = at.0;
            self.link(at.0, seq, s);
        }
    }

    /// Takes back the item parked in slot `s` (not queued) and frees the slot.
    pub(super) fn unpark(&mut self, s: u32) -> Option<T> {
        let item = self.slots.get_mut(s as usize)?.item.take();
        self.free.push(s);
        item
    }

    /// Queues slot `s`, due at `at`.
    fn link(&mut self, at: u64, seq: u64, s: u32) {
        self.len += 1;
        let b = at / BLOCK;
        if at < self.base {
            self.early.push(Reverse((at, seq, s)));
        } else if b < self.block + 2 {
            self.append(at, s);
        } else if b < self.block + 2 + LEVEL2 as u64 {
            self.push2(at, s);
        } else {
            self.far.push(Reverse((at, seq, s)));
        }
    }

    /// The first non-empty level-one bucket from `base` on, going round once.
    fn first_bucket(&self) -> Option<usize> {
        if self.summary == 0 {
            return None;
        }
        let start = (self.base % WHEEL as u64) as usize;
        let (w0, b0) = (start / 64, start % 64);
        let here = self.bits[w0] & (!0u64 << b0);
        if here != 0 {
            return Some(w0 * 64 + here.trailing_zeros() as usize);
        }
        // Later words, then (wrapping) earlier ones, then the start word's low bits.
        let later = if w0 + 1 < 64 { self.summary & (!0u64 << (w0 + 1)) } else { 0 };
        let w =
            if later != 0 { later.trailing_zeros() as usize } else { self.summary.trailing_zeros() as usize };
        let bits = if w == w0 { self.bits[w] & !(!0u64 << b0) } else { self.bits[w] };
        (bits != 0).then(|| w * 64 + bits.trailing_zeros() as usize)
    }

    /// Moves the window to `base`'s block: level two's blocks that level one
    /// now covers go there (each list newest first, each entry to the front
    /// of its bucket: push order within an instant), then the heap's keys
    /// that either level now covers, in `(time, sequence)` order.
    fn advance(&mut self) {
        let new = self.base / BLOCK;
        if new <= self.block {
            return;
        }
        let old = self.block;
        self.block = new;
        if self.len2 > 0 {
            // Blocks old + 2 .. new + 2 that were in level two.
            let span = (new - old).min(LEVEL2 as u64);
            let start = ((old + 2) % LEVEL2 as u64) as usize;
            // Distance from `start` (in blocks) already covered.
            let mut done = 0usize;
            while self.len2 > 0 && (done as u64) < span {
                let from = (start + done) % LEVEL2;
                let Some(i) = self.next2(from).or_else(|| self.next2(0)) else { break };
                let dist = (i + LEVEL2 - start) % LEVEL2;
                if dist < done || dist as u64 >= span {
                    break;
                }
                let mut s = self.take2(i);
                while s != NIL {
                    let e = &self.slots[s as usize];
                    let (at, next) = (e.at, e.next);
                    self.len2 -= 1;
                    self.prepend(at, s);
                    s = next;
                }
                done = dist + 1;
            }
        }
        let horizon = new + 2 + LEVEL2 as u64;
        while let Some(&Reverse((at, _, s))) = self.far.peek() {
            let b = at / BLOCK;
            if b >= horizon {
                break;
            }
            self.far.pop();
            if b < new + 2 {
                self.slots[s as usize].next = NIL;
                self.append(at, s);
            } else {
                self.push2(at, s);
            }
        }
    }

    /// Level two's earliest item: the first non-empty block's list scanned
    /// (newest first, so the last of the smallest times is the oldest push).
    fn first2(&self) -> Option<u32> {
        let b = self.first_block2()?;
        let mut s = self.heads2[(b % LEVEL2 as u64) as usize].checked_sub(1)?;
        let mut best = (u64::MAX, NIL);
        while s != NIL {
            let e = &self.slots[s as usize];
            if e.at <= best.0 {
                best = (e.at, s);
            }
            s = e.next;
        }
        (best.1 != NIL).then_some(best.1)
    }

    /// The slot of the earliest item and where it is. (The window does not
    /// move here: only a pop may move it, as an item may still be pushed at
    /// any time from the last pop on.)
    fn first(&self) -> Option<(u32, Src)> {
        if let Some(&Reverse((_, _, s))) = self.early.peek() {
            return Some((s, Src::Early));
        }
        if let Some(b) = self.first_bucket() {
            return Some((self.buckets[b].0, Src::Bucket(b)));
        }
        let s = match self.first2() {
            Some(s) => s,
            None => self.far.peek().map(|&Reverse((_, _, s))| s)?,
        };
        Some((s, Src::Later(self.slots[s as usize].at)))
    }

    /// The earliest item and its time.
    pub(super) fn peek(&self) -> Option<(Instant, &T)> {
        let (s, _) = self.first()?;
        let e = self.slots.get(s as usize)?;
        e.item.as_ref().map(|t| (Instant(e.at), t))
    }

    /// Takes the earliest item.
    pub(super) fn pop(&mut self) -> Option<(Instant, T)> {
        self.pop_due(Instant(u64::MAX))
    }

    /// Takes the earliest item if it is due at or before `limit`.
    pub(super) fn pop_due(&mut self, limit: Instant) -> Option<(Instant, T)> {
        let (s, src) = loop {
            match self.first()? {
                (_, Src::Later(at)) => {
                    if at > limit.0 {
                        return None;
                    }
                    // Level one is empty: the window moves onto the earliest
                    // item, which brings it into level one.
                    self.base = at;
                    self.advance();
                }
                found => break found,
            }
        };
        let e = self.slots.get_mut(s as usize)?;
        let (at, next) = (e.at, e.next);
        if at > limit.0 {
            return None;
        }
        let item = e.item.take()?;
        match src {
            Src::Early => {
                self.early.pop();
            }
            Src::Bucket(b) if next == NIL => {
                self.buckets[b] = (NIL, NIL);
                self.bits[b / 64] &= !(1 << (b % 64));
                if self.bits[b / 64] == 0 {
                    self.summary &= !(1 << (b / 64));
                }
            }
            Src::Bucket(b) => self.buckets[b].0 = next,
            Src::Later(_) => {}
        }
        self.free.push(s);
        self.len -= 1;
        if at > self.base {
            self.base = at;
            self.advance();
        }
        Some((Instant(at), item))
    }

    /// The item in slot `s`, if the slot holds one.
    pub(super) fn get(&self, s: u32) -> Option<&T> {
        self.slots.get(s as usize)?.item.as_ref()
    }

    /// The item in slot `s`, mutably (its time and place stay).
    pub(super) fn get_mut(&mut self, s: u32) -> Option<&mut T> {
        self.slots.get_mut(s as usize)?.item.as_mut()
    }

    /// Takes the item in slot `s` out of the queue now, if it sits in one of
    /// the wheel's levels (a cancelled timer: it would only be skipped when
    /// due). Items in the heaps (due before the last pop or beyond level
    /// two) stay: `None`. The order of the others is unchanged.
    pub(super) fn remove(&mut self, s: u32) -> Option<T> {
        let e = self.slots.get(s as usize)?;
        e.item.as_ref()?;
        let (at, next, prev) = (e.at, e.next, e.prev);
        let b = at / BLOCK;
        if at < self.base || b >= self.block + 2 + LEVEL2 as u64 {
            return None;
        }
        if b < self.block + 2 {
            let w = (at % WHEEL as u64) as usize;
            let (head, tail) = self.buckets[w];
            if head == s {
                if next == NIL {
                    self.buckets[w] = (NIL, NIL);
                    self.bits[w / 64] &= !(1 << (w % 64));
                    if self.bits[w / 64] == 0 {
                        self.summary &= !(1 << (w / 64));
                    }
                } else {
                    self.buckets[w].0 = next;
                }
            } else {
                self.slots[prev as usize].next = next;
                if s == tail {
                    self.buckets[w].1 = prev;
                } else {
                    self.slots[next as usize].prev = prev;
                }
            }
        } else {
            let i = (b % LEVEL2 as u64) as usize;
            if self.heads2[i] == s + 1 {
                if next == NIL {
                    self.heads2[i] = 0;
                    self.bits2[i / 64] &= !(1 << (i % 64));
                    if self.bits2[i / 64] == 0 {
                        self.summary2[i / 4096] &= !(1 << (i / 64 % 64));
                    }
                } else {
                    self.heads2[i] = next + 1;
                }
            } else {
                self.slots[prev as usize].next = next;
                if next != NIL {
                    self.slots[next as usize].prev = prev;
                }
            }
            self.len2 -= 1;
        }
        let item = self.slots[s as usize].item.take();
        self.free.push(s);
        self.len -= 1;
        item
    }

    /// Drops every item `keep` refuses (their slots are reused).
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let (slots, free) = (&mut self.slots, &mut self.free);
        let mut dropped = 0;
        // Filters the list from `s` in place; returns its new (head, tail).
        let mut filter = |mut s: u32, dropped: &mut usize| {
            let (mut head, mut tail) = (NIL, NIL);
            while s != NIL {
                let e = &mut slots[s as usize];
                let next = e.next;
                if e.item.as_ref().is_some_and(&mut keep) {
                    e.next = NIL;
                    e.prev = tail;
                    if head == NIL {
                        head = s;
                    } else {
                        slots[tail as usize].next = s;
                    }
                    tail = s;
                } else {
                    e.item = None;
                    free.push(s);
                    *dropped += 1;
                }
                s = next;
            }
            (head, tail)
        };
        for w in 0..WORDS {
            let mut bits = self.bits[w];
            while bits != 0 {
                let b = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let (head, tail) = filter(self.buckets[b].0, &mut dropped);
                self.buckets[b] = (head, tail);
                if head == NIL {
                    self.bits[w] &= !(1 << (b % 64));
                }
            }
            if self.bits[w] == 0 {
                self.summary &= !(1 << w);
            }
        }
        let mut dropped2 = 0;
        for sw in 0..SUMMARY2 {
            let mut words = self.summary2[sw];
            while words != 0 {
                let w = sw * 64 + words.trailing_zeros() as usize;
                words &= words - 1;
                let mut bits = self.bits2[w];
                while bits != 0 {
                    let i = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let (head, _) = filter(self.heads2[i] - 1, &mut dropped2);
                    if head == NIL {
                        self.heads2[i] = 0;
                        self.bits2[w] &= !(1 << (i % 64));
                    } else {
                        self.heads2[i] = head + 1;
                    }
                }
                if self.bits2[w] == 0 {
                    self.summary2[sw] &= !(1 << (w % 64));
                }
            }
        }
        self.len2 -= dropped2;
        dropped += dropped2;
        let mut check = |&Reverse((_, _, s)): &Key| {
            let e = &mut slots[s as usize];
            let k = e.item.as_ref().is_some_and(&mut keep);
            if !k {
                e.item = None;
                free.push(s);
                dropped += 1;
            }
            k
        };
        self.far.retain(&mut check);
        self.early.retain(&mut check);
        self.len -= dropped;
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
    fn events_due_at_one_instant_pop_in_sequence_order_and_retain_drops() {
        let mut q = Queue::new();
        q.push(Instant(1), 0, "heap, first");
        q.push_now(Instant(1), 1, "fifo, second");
        q.push(Instant(1), 2, "heap, third");
        q.push_now(Instant(1), 3, "fifo, fourth");
        q.push(Instant(2), 4, "later");
        q.retain(|s| !s.contains("fourth"));
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, s)| s)).collect();
        assert_eq!(order, ["heap, first", "fifo, second", "heap, third", "later"]);
    }

    #[test]
    fn a_peek_at_a_far_item_does_not_move_the_window() {
        // The simulator peeks, moves its clock to a limit short of the far
        // item, and may then push something due before it.
        let mut q = Queue::new();
        q.push(Instant(10), 0, "now");
        assert_eq!(q.pop(), Some((Instant(10), "now")));
        q.push(Instant(3_600_000_000), 1, "an hour on");
        assert_eq!(q.peek().map(|(t, _)| t), Some(Instant(3_600_000_000)));
        assert_eq!(q.pop_due(Instant(20_000)), None);
        q.push(Instant(20_000), 2, "at the limit");
        q.push(Instant(20_000 + WHEEL as u64 * 3), 3, "a few windows on");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(t, s)| (t.0, s))).collect();
        assert_eq!(
            order,
            [
                (20_000, "at the limit"),
                (20_000 + WHEEL as u64 * 3, "a few windows on"),
                (3_600_000_000, "an hour on")
            ]
        );
    }

    #[test]
    fn pops_match_a_sorted_map_under_a_simulators_use() {
        // Pushes at or after a clock that moves by pops and by limits (as
        // `run_until` moves it), pops bounded by limits, peeks between.
        let mut q = Queue::new();
        let mut model = std::collections::BTreeMap::new();
        let (mut x, mut seq, mut now) = (99u64, 0u64, 0u64);
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let r = rnd();
            match r % 7 {
                6 if r % 100 < 3 => {
                    // A purge of cancelled timers: drops a residue class.
                    let k = r / 7 % 5;
                    q.retain(|v| v % 5 != k);
                    model.retain(|_, v| *v % 5 != k);
                }
                0 | 1 | 6 => {
                    // Within level one, on block edges, in level two, beyond it (the heap).
                    let at = now
                        + [
                            0,
                            1000,
                            2000,
                            5000,
                            r % 20_000,
                            r % 10_000_000,
                            r % 1_200_000_000,
                            BLOCK * (r % 4),
                        ][(r / 5 % 8) as usize];
                    q.push(Instant(at), seq, seq);
                    model.insert((at, seq), seq);
                    seq += 1;
                }
                2 => {
                    let limit = now + r % 30_000;
                    let got = q.pop_due(Instant(limit));
                    let want =
                        model.first_key_value().filter(|((at, _), _)| *at <= limit).map(|(k, v)| (*k, *v));
                    assert_eq!(got.map(|(t, s)| (t.0, s)), want.map(|((at, _), v)| (at, v)));
                    if let Some(((at, s), _)) = want {
                        model.remove(&(at, s));
                        now = now.max(at);
                    } else {
                        now = limit;
                    }
                }
                3 => {
                    let want = model.first_key_value().map(|((at, _), v)| (*at, *v));
                    assert_eq!(q.peek().map(|(t, s)| (t.0, *s)), want);
                }
                4 => {
                    let got = q.pop();
                    let want = model.pop_first();
                    assert_eq!(got.map(|(t, s)| (t.0, s)), want.map(|((at, _), v)| (at, v)));
                    if let Some(((at, _), _)) = want {
                        now = now.max(at);
                    }
                }
                _ => {
                    // A stale event popped ahead of the clock, which stays.
                    let got = q.pop();
                    let want = model.pop_first();
                    assert_eq!(got.map(|(t, s)| (t.0, s)), want.map(|((at, _), v)| (at, v)));
                }
            }
            assert_eq!(q.len(), model.len());
        }
    }

    #[test]
    fn removals_leave_the_rest_in_order() {
        // Pushes at every distance, pops, and removals of random live items
        // (as cancelled timers): the queue pops as a sorted map from which
        // the removed items were deleted; items in a heap stay.
        let mut q = Queue::new();
        let mut model = std::collections::BTreeMap::new();
        let mut slots = std::collections::BTreeMap::new();
        let (mut x, mut seq, mut now) = (7u64, 0u64, 0u64);
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let (mut removed, mut kept) = (0, 0);
        for _ in 0..30_000 {
            let r = rnd();
            match r % 5 {
                0 | 1 => {
                    let at = now
                        + [0, 1, 2047, 2048, 4096, r % 20_000, r % 10_000_000, r % 1_200_000_000]
                            [(r / 5 % 8) as usize];
                    let s = q.push(Instant(at), seq, seq);
                    model.insert((at, seq), seq);
                    slots.insert(seq, (at, s));
                    seq += 1;
                }
                2 => {
                    let Some((&v, &(at, s))) = slots.range(r % seq.max(1)..).next() else { continue };
                    match q.remove(s) {
                        Some(got) => {
                            assert_eq!(got, v);
                            model.remove(&(at, v));
                            slots.remove(&v);
                            removed += 1;
                        }
                        None => kept += 1,
                    }
                }
                _ => {
                    let got = q.pop();
                    let want = model.pop_first();
                    assert_eq!(got.map(|(t, s)| (t.0, s)), want.map(|((at, _), v)| (at, v)));
                    if let Some(((at, v), _)) = want {
                        slots.remove(&v);
                        now = now.max(at);
                    }
                }
            }
            assert_eq!(q.len(), model.len());
        }
        while let Some(((at, _), v)) = model.pop_first() {
            assert_eq!(q.pop(), Some((Instant(at), v)));
        }
        assert_eq!(q.pop(), None);
        assert!(removed > 1000 && kept > 10, "both cases seen: {removed} removed, {kept} kept");
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
            // A peek (as the simulator does before each step) changes nothing.
            let _ = q.peek();
            for _ in 0..3 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let at = now + [0, 1000, x % 50_000, x % 3_000_000, x % 900_000_000, 4095][(x % 6) as usize];
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
