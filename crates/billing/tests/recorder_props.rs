//! Any sequence of events and OSN messages, however out of order: the
//! recorder never panics, hands back every leg it opened exactly once, and
//! a session's legs are among the records.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use ainsim_billing::{Billing, Directory, Record};
use ainsim_elements::osn::{CallStatus, OsnMessage};
use ainsim_elements::ssp::LINE_EVENT_BASE;
use ainsim_elements::{Event, EventKind, Instant};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Input {
    Event { node: u8, call: Option<u64>, kind: EventKind },
    Osn { from: u8, to: u8, msg: OsnMessage },
}

const NODES: [&str; 3] = ["SSP-A", "SSP-B", "ISCP"];
const NUMBERS: [&str; 3] = ["2015550100", "2125550142", "9"];

fn input() -> impl Strategy<Value = Input> {
    let call = prop_oneof![
        Just(None),
        (0u64..3).prop_map(|l| Some(LINE_EVENT_BASE + l)),
        (0u64..3).prop_map(Some),
        Just(Some(u64::MAX)),
    ];
    let kind = prop_oneof![
        (0usize..3, 0usize..3)
            .prop_map(|(f, t)| EventKind::CallAttempt { from: NUMBERS[f].into(), to: NUMBERS[t].into() }),
        Just(EventKind::Alerting),
        Just(EventKind::Answered),
        any::<u8>().prop_map(|cause| EventKind::Released { cause }),
    ];
    let status = prop_oneof![
        Just(CallStatus::CallingCustomer),
        Just(CallStatus::CustomerAnswered),
        Just(CallStatus::Connected),
        Just(CallStatus::Released),
        Just(CallStatus::Failed { reason: "x".into() }),
    ];
    let msg = prop_oneof![
        (0u64..3, 0usize..3, 0usize..3).prop_map(|(call_id, c, r)| OsnMessage::CallSetup {
            call_id,
            business: "ABC".into(),
            customer: NUMBERS[c].into(),
            representative: NUMBERS[r].into(),
            announcement: None,
        }),
        (0u64..3, status).prop_map(|(call_id, status)| OsnMessage::CallStatus { call_id, status }),
    ];
    prop_oneof![
        (0u8..3, call, kind).prop_map(|(node, call, kind)| Input::Event { node, call, kind }),
        (0u8..3, 0u8..3, msg).prop_map(|(from, to, msg)| Input::Osn { from, to, msg }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn records_are_whole_whatever_the_order(inputs in proptest::collection::vec((0u64..1_000_000, input()), 0..40)) {
        let mut dir = Directory::new();
        dir.insert("SSP-A", 0, "2015550100");
        dir.insert("SSP-B", 1, "2125550142");
        let mut b = Billing::new("p", dir);
        let mut at = 0;
        for (dt, i) in inputs {
            at += dt;
            match i {
                Input::Event { node, call, kind } => b.event(Instant(at), NODES[usize::from(node)], &Event { call, kind }),
                Input::Osn { from, to, msg } => b.osn(Instant(at), NODES[usize::from(from)], NODES[usize::from(to)], &msg),
            }
        }
        let records = b.finish();
        prop_assert_eq!(b.open_counts(), (0, 0));
        let mut leg_ids = BTreeSet::new();
        for r in &records {
            if let Record::Leg(l) = r {
                prop_assert!(leg_ids.insert(l.id.clone()), "leg {} twice", l.id);
                prop_assert!(l.released_us.is_none_or(|e| e >= l.started_us));
                prop_assert!(l.talk_ms <= l.duration_ms);
            }
        }
        for r in &records {
            if let Record::Session(s) = r {
                prop_assert!(s.legs.len() <= 2);
                for id in &s.legs {
                    prop_assert!(leg_ids.contains(id), "session leg {id} missing");
                }
            }
        }
    }
}
