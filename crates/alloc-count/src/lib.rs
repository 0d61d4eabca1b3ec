//! A global allocator that counts the bytes live on the heap, for the
//! memory figures of `ainsim bench` (`ainsim_runtime::bench`).
//!
//! What it does: forwards every call to [`System`] unchanged and, while
//! counting is on ([`set_counting`]), adds each allocation's size to a
//! counter and subtracts each deallocation's. Off (the default), the cost is
//! one relaxed load per call, so the throughput figures measured in the same
//! process are not slowed by the counter.
//!
//! Contract: [`live_bytes`] is exact for what was allocated and freed while
//! counting was on (requested sizes, not the allocator's rounding or its
//! per-chunk overhead). A block allocated before counting started and freed
//! during it makes the count go down; measure a difference between two reads
//! around code that only builds.
//!
//! Use: in the binary, `#[global_allocator] static A: CountingAlloc = CountingAlloc;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicI64 = AtomicI64::new(0);

/// The counting allocator (install it with `#[global_allocator]`).
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAlloc;

fn count(delta: i64) {
    if COUNTING.load(Ordering::Relaxed) {
        LIVE.fetch_add(delta, Ordering::Relaxed);
    }
}

fn size(layout: Layout) -> i64 {
    i64::try_from(layout.size()).unwrap_or(i64::MAX)
}

// SAFETY: every method forwards to `System` with the caller's arguments, so
// `System`'s guarantees are ours; the counting touches only two atomics.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(size(layout));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which is System's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-size(layout));
        // SAFETY: `ptr` came from `System` with this layout (every block does).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(size(layout));
        // SAFETY: as `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(i64::try_from(new_size).unwrap_or(i64::MAX) - size(layout));
        // SAFETY: as `dealloc` for `ptr`; `new_size` is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Starts (`true`) or stops counting.
pub fn set_counting(on: bool) {
    COUNTING.store(on, Ordering::SeqCst);
}

/// Bytes allocated minus bytes freed while counting was on.
pub fn live_bytes() -> i64 {
    LIVE.load(Ordering::SeqCst)
}
