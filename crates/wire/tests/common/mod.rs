//! Byte mutations shared by the property tests: mutated example frames must
//! never make a decoder panic, and what it accepts must re-emit exactly.
#![allow(dead_code)]

use proptest::prelude::*;

/// One edit to a frame.
#[derive(Debug, Clone)]
pub(crate) enum Mutation {
    Set(usize, u8),
    Xor(usize, u8),
    Truncate(usize),
    Insert(usize, u8),
    Remove(usize),
}

/// Any one [`Mutation`], positions taken modulo the frame length.
pub(crate) fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), 1..=255u8).prop_map(|(i, b)| Mutation::Xor(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
    ]
}

/// Applies one mutation in place (edits of an empty frame that need a byte do nothing).
pub(crate) fn apply(b: &mut Vec<u8>, m: &Mutation) {
    let n = b.len();
    match *m {
        Mutation::Set(i, x) if n > 0 => b[i % n] = x,
        Mutation::Xor(i, x) if n > 0 => b[i % n] ^= x,
        Mutation::Remove(i) if n > 0 => {
            b.remove(i % n);
        }
        Mutation::Truncate(i) => b.truncate(i % (n + 1)),
        Mutation::Insert(i, x) => b.insert(i % (n + 1), x),
        _ => {}
    }
}

/// Applies every mutation in turn.
pub(crate) fn mutate(mut b: Vec<u8>, ms: &[Mutation]) -> Vec<u8> {
    for m in ms {
        apply(&mut b, m);
    }
    b
}
