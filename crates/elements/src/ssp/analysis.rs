//! Digit analysis: dialled digits → local line, route, unallocated, not yet
//! complete, or an AIN trigger.
//!
//! Contract: [`Plan::analyze`] never panics and depends only on the digits
//! and the configuration. "Enough digits" is decided by a local number
//! matching exactly, a prefix rule's length, or the plan's fixed length; a
//! string that is still the beginning of some local number or rule is
//! [`Analysis::Incomplete`].
//!
//! AIN hook: a rule with a `trigger` returns [`Analysis::Trigger`]. A switch
//! with an `ain` section queries the ISCP (`ssp::ain`); one without falls back
//! to the rule's trunk groups, or to unallocated when it has none.

use super::config::{NumberingPlan, TriggerKind};

/// What digit analysis found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Analysis {
    /// More digits are needed.
    Incomplete,
    /// A line of this switch, by index.
    Local(u32),
    /// A prefix rule with trunk groups, by index in the plan.
    Route(usize),
    /// An AIN trigger armed on a prefix rule (see module docs).
    Trigger { kind: TriggerKind, rule: usize },
    /// No such number (cause 1).
    Unallocated,
}

/// A compiled numbering plan.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Local numbers and their line indices, sorted by number (a binary
    /// search compares fewer keys than a B-tree's scan of each node).
    numbers: Vec<(String, u32)>,
    /// The same numbers packed ([`pack`]), in the same order, when every one
    /// fits (at most 16 octets, no NUL); empty otherwise. A lookup compares
    /// integers in one array instead of following a pointer to each string.
    keys: Vec<u128>,
    rules: Vec<(String, Option<usize>, bool, Option<TriggerKind>)>,
    number_length: Option<usize>,
}

impl Plan {
    /// Compiles `plan` with the local numbers `lines` (index = line index).
    pub fn new<'a>(plan: &NumberingPlan, lines: impl IntoIterator<Item = &'a str>) -> Self {
        let mut numbers: Vec<(String, u32)> =
            lines.into_iter().enumerate().map(|(i, n)| (n.to_owned(), i as u32)).collect();
        numbers.sort_by(|a, b| a.0.cmp(&b.0));
        // A number given twice names its last line (as a map built in order would).
        numbers.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 = later.1;
            }
            same
        });
        let rules = plan
            .routes
            .iter()
            .map(|r| {
                (r.prefix.clone(), r.length.or(plan.number_length), !r.trunk_groups.is_empty(), r.trigger)
            })
            .collect();
        // Zero-padded big-endian packing keeps the order of strings without NUL.
        let keys = numbers.iter().map(|(n, _)| pack(n)).collect::<Option<Vec<u128>>>().unwrap_or_default();
        Plan { numbers, keys, rules, number_length: plan.number_length }
    }

    /// The line with directory number `n`.
    pub fn line(&self, n: &str) -> Option<u32> {
        if self.keys.len() == self.numbers.len() {
            // Every number fits a key, so one that does not fit is no line's.
            let k = pack(n)?;
            return self.keys.binary_search(&k).ok().map(|i| self.numbers[i].1);
        }
        self.numbers.binary_search_by(|(k, _)| k.as_str().cmp(n)).ok().map(|i| self.numbers[i].1)
    }

    /// Analyses `digits` (an ST `F` or `#` at the end marks them complete).
    pub fn analyze(&self, digits: &str) -> Analysis {
        let complete = digits.ends_with(['F', '#']);
        let d = digits.trim_end_matches(['F', '#']);
        if let Some(i) = self.line(d) {
            return Analysis::Local(i);
        }
        let best = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| d.starts_with(r.0.as_str()))
            .max_by_key(|(i, r)| (r.0.len(), usize::MAX - i));
        if let Some((i, (_, len, _, trigger))) = best {
            if len.is_some_and(|l| d.len() < l) && !complete {
                return Analysis::Incomplete;
            }
            return match trigger {
                Some(kind) => Analysis::Trigger { kind: *kind, rule: i },
                None => Analysis::Route(i),
            };
        }
        if complete {
            return Analysis::Unallocated;
        }
        let first_at_or_after = self.numbers.partition_point(|(n, _)| n.as_str() < d);
        let local_prefix = self.numbers.get(first_at_or_after).is_some_and(|(n, _)| n.starts_with(d));
        let rule_prefix = self.rules.iter().any(|r| r.0.starts_with(d));
        let short = self.number_length.is_some_and(|l| d.len() < l);
        if local_prefix || rule_prefix || short {
            Analysis::Incomplete
        } else {
            Analysis::Unallocated
        }
    }

    /// Whether rule `i` has trunk groups (a trigger rule may not).
    pub fn routable(&self, i: usize) -> bool {
        self.rules.get(i).is_some_and(|r| r.2)
    }
}

/// `n` as a big-endian integer, zero-padded to 16 octets (None: longer, or with a NUL).
fn pack(n: &str) -> Option<u128> {
    let b = n.as_bytes();
    if b.len() > 16 || b.contains(&0) {
        return None;
    }
    let mut k = [0u8; 16];
    k[..b.len()].copy_from_slice(b);
    Some(u128::from_be_bytes(k))
}

#[cfg(test)]
mod tests {
    use super::super::config::PrefixRoute;
    use super::*;

    fn plan() -> Plan {
        let rule = |prefix: &str, tg: &str, trigger| PrefixRoute {
            prefix: prefix.into(),
            length: None,
            trunk_groups: if tg.is_empty() { vec![] } else { vec![tg.into()] },
            trigger,
        };
        Plan::new(
            &NumberingPlan {
                number_length: Some(10),
                routes: vec![
                    rule("212", "to-b", None),
                    rule("2125550143", "to-c", None),
                    rule("800", "", Some(TriggerKind::InfoAnalyzed)),
                ],
            },
            ["2015550100", "2015550101"],
        )
    }

    #[test]
    fn local_numbers_routes_and_triggers() {
        let p = plan();
        assert_eq!(p.analyze("2015550101"), Analysis::Local(1));
        assert_eq!(p.analyze("201555"), Analysis::Incomplete);
        assert_eq!(p.analyze("212555"), Analysis::Incomplete);
        assert_eq!(p.analyze("2125550142"), Analysis::Route(0));
        assert_eq!(p.analyze("2125550143"), Analysis::Route(1), "the longest prefix wins");
        assert_eq!(p.analyze("8005551234"), Analysis::Trigger { kind: TriggerKind::InfoAnalyzed, rule: 2 });
        assert!(!p.routable(2));
        assert_eq!(p.analyze("9995550000"), Analysis::Unallocated);
        assert_eq!(p.analyze("201F"), Analysis::Unallocated, "ST ends the number");
        assert_eq!(p.analyze("2015550100F"), Analysis::Local(0));
        assert_eq!(p.line("2015550101"), Some(1));
        assert_eq!(p.line("201555010"), None);
    }

    #[test]
    fn a_number_given_twice_names_its_last_line() {
        let p = Plan::new(&NumberingPlan { number_length: Some(10), routes: vec![] }, ["2", "1", "2", "3"]);
        assert_eq!((p.line("1"), p.line("2"), p.line("3")), (Some(1), Some(2), Some(3)));
    }

    #[test]
    fn numbers_too_long_for_a_key_are_found_by_their_strings() {
        let long = "12345678901234567";
        let plan = NumberingPlan { number_length: None, routes: vec![] };
        let p = Plan::new(&plan, ["2015550100", long]);
        assert!(p.keys.is_empty());
        assert_eq!(
            (p.line(long), p.line("2015550100"), p.line("1234567890123456")),
            (Some(1), Some(0), None)
        );
        let p = Plan::new(&plan, ["2015550100", "1234567890123456"]);
        assert_eq!(p.keys.len(), 2);
        assert_eq!((p.line(long), p.line("1234567890123456"), p.line("201555010")), (None, Some(1), None));
    }
}
