//! CDRs of real simulated calls on the default network (the seed's Fig. 1):
//! every element is the real one, the recorder is fed what they reported.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use ainsim_billing::{
    feed, list, save, Billing, Direction, Directory, Filter, LegCdr, Outcome, Record, SessionCdr,
    SessionOutcome,
};
use ainsim_elements::osn::OsnMessage;
use ainsim_elements::PlacedCall;
use ainsim_runtime::topology::{Network, Topology, ACCESS_CLIENT_PORT};
use ainsim_store::SledStore;
use ainsim_wire::Variant;

const S: Duration = Duration::from_secs(1);

fn call(to: &str, holding: Option<Duration>) -> PlacedCall {
    PlacedCall { at: S, to: to.into(), holding, give_up_after: Some(Duration::from_secs(200)) }
}

/// Runs `t` for `d` (after `before` is done to the started network) and returns its records.
fn records(t: &Topology, v: Variant, d: Duration, before: impl FnOnce(&mut Network)) -> Vec<Record> {
    let plan = t.plan(Some(v)).unwrap();
    let mut net = plan.simulate(7).unwrap();
    net.sim.start();
    before(&mut net);
    net.sim.run_for(d);
    let mut b = Billing::new("test", Directory::from_plan(&plan));
    feed(&mut b, &net);
    b.finish()
}

fn legs(r: &[Record]) -> Vec<&LegCdr> {
    r.iter().filter_map(|r| if let Record::Leg(l) = r { Some(l) } else { None }).collect()
}

fn sessions(r: &[Record]) -> Vec<&SessionCdr> {
    r.iter().filter_map(|r| if let Record::Session(s) = r { Some(s) } else { None }).collect()
}

#[test]
fn an_answered_call_has_two_legs_with_its_talk_time_and_a_busy_one_cause_17() {
    for v in [Variant::Itu, Variant::Ansi] {
        let mut t = Topology::default_fig1();
        t.phone_mut("2015550100").calls.push(call("2125550143", Some(5 * S)));
        t.phone_mut("2125550142").calls.push(call("2125550144", None));
        let recs = records(&t, v, 60 * S, |_| {});
        let legs = legs(&recs);
        assert!(sessions(&recs).is_empty(), "{v}: no click-to-call here");

        // The caller on SSP-A dialled; SSP-C's 2125550143 answered after 4 s and
        // the caller hung up 5 s later.
        let a = legs.iter().find(|l| l.line == "2015550100").unwrap();
        assert_eq!(
            (a.switch.as_str(), a.direction, a.to.as_str()),
            ("SSP-A", Direction::Originating, "2125550143")
        );
        assert_eq!((a.outcome, a.cause), (Outcome::Answered, Some(16)), "{v}: {a:?}");
        assert!((5000..5100).contains(&a.talk_ms), "{v}: 5 s plus line signalling: {a:?}");
        assert!(a.duration_ms > a.talk_ms + 4000, "{v}: ringing came first: {a:?}");
        let c = legs.iter().find(|l| l.line == "2125550143").unwrap();
        assert_eq!(
            (c.switch.as_str(), c.direction, c.from.as_str()),
            ("SSP-C", Direction::Terminating, "2015550100")
        );
        assert!(c.cic.is_some(), "{v}: it came over a trunk: {c:?}");
        assert_eq!(c.outcome, Outcome::Answered, "{v}: {c:?}");
        assert!(c.talk_ms.abs_diff(a.talk_ms) < 50, "{v}: both ends talked as long: {a:?} {c:?}");

        // 2125550142 called the busy 2125550144 on its own switch.
        let busy = legs.iter().find(|l| l.line == "2125550142").unwrap();
        assert_eq!((busy.outcome, busy.cause, busy.talk_ms), (Outcome::Busy, Some(17), 0), "{v}: {busy:?}");
        assert!(legs.iter().all(|l| l.business.is_none()), "{v}: ordinary calls bill no business");
        assert_eq!(legs.len(), 3, "{v}: {legs:#?}");
    }
}

fn click_to_call(net: &mut Network) {
    ask(net, "2015550100", "2125550142");
}

/// ABC Travel's web server asks the access server to call `customer`, then `representative`.
fn ask(net: &mut Network, customer: &str, representative: &str) {
    net.sim.run_for(S);
    let access = net.node("ACCESS").unwrap();
    let instruction = OsnMessage::CallInstruction {
        request_id: 77,
        equipment: "https://abc-travel.example/".into(),
        business: "ABC".into(),
        password: "cruise-2027".into(),
        customer: customer.into(),
        representative: representative.into(),
        contact_at: None,
    };
    net.sim.inject(access, ACCESS_CLIENT_PORT, instruction.emit());
}

#[test]
fn a_click_to_call_session_claims_the_customer_and_representative_legs() {
    for v in [Variant::Ansi, Variant::Itu] {
        let mut t = Topology::default_fig1();
        // The shopper talks for 20 s with the representative, then hangs up.
        t.phone_mut("2015550100").holding = Some(30 * S);
        let recs = records(&t, v, 300 * S, click_to_call);
        let sessions = sessions(&recs);
        let [s] = sessions.as_slice() else { panic!("{v}: one session: {recs:#?}") };
        assert_eq!(
            (s.business.as_str(), s.customer.as_str(), s.representative.as_str()),
            ("ABC", "2015550100", "2125550142")
        );
        assert_eq!(s.outcome, SessionOutcome::Connected, "{v}: {s:#?}");
        assert!(s.customer_answered_us < s.connected_us, "{v}: customer first: {s:#?}");
        assert!(s.bridged_ms > 0 && s.billable_ms > s.bridged_ms, "{v}: the hold is billed too: {s:#?}");
        let legs = legs(&recs);
        let by_id = |id: &str| *legs.iter().find(|l| l.id == id).unwrap();
        let [cust, rep] = s.legs.as_slice() else { panic!("{v}: two legs: {s:#?}") };
        let (cust, rep) = (by_id(cust), by_id(rep));
        assert_eq!(
            (cust.line.as_str(), cust.direction),
            ("2015550100", Direction::Terminating),
            "{v}: {cust:?}"
        );
        assert_eq!(rep.line, "2125550142", "{v}: {rep:?}");
        for l in [cust, rep] {
            assert_eq!(
                (l.business.as_deref(), l.session, l.outcome),
                (Some("ABC"), Some(s.call_id), Outcome::Answered),
                "{v}: {l:?}"
            );
        }
        assert!(cust.talk_ms > rep.talk_ms, "{v}: the customer waited on the announcement: {cust:?} {rep:?}");
    }
}

#[test]
fn a_busy_representative_or_an_unanswered_customer_ends_the_session_with_its_cause() {
    // 2125550144 is busy: the shopper hears the announcement, then the session fails.
    let recs =
        records(&Topology::default_fig1(), Variant::Ansi, 300 * S, |n| ask(n, "2015550100", "2125550144"));
    let [s] = sessions(&recs)[..] else { panic!("{recs:#?}") };
    assert_eq!((s.outcome, s.cause), (SessionOutcome::RepresentativeNotReached, Some(17)), "{s:#?}");
    assert!(s.billable_ms > 0 && s.bridged_ms == 0, "the shopper's wait is billable: {s:#?}");
    assert_eq!(s.legs.len(), 1, "only the shopper's line rang: {s:#?}");

    // 2015550101 never answers.
    let recs =
        records(&Topology::default_fig1(), Variant::Itu, 300 * S, |n| ask(n, "2015550101", "2125550142"));
    let [s] = sessions(&recs)[..] else { panic!("{recs:#?}") };
    assert_eq!(
        (s.outcome, s.cause, s.billable_ms),
        (SessionOutcome::CustomerNotReached, Some(19), 0),
        "{s:#?}"
    );
    // The ISCP calls the customer again per its retry policy: one leg per attempt.
    let ls = legs(&recs);
    assert!(!ls.is_empty(), "{recs:#?}");
    assert!(ls.iter().all(|l| l.line == "2015550101" && l.outcome == Outcome::NoAnswer), "{ls:#?}");
    assert_eq!(ls[0].business.as_deref(), Some("ABC"), "{ls:#?}");

    // The busy 2125550144 as the customer: the switch refuses before ringing, no leg.
    let recs =
        records(&Topology::default_fig1(), Variant::Ansi, 300 * S, |n| ask(n, "2125550144", "2125550142"));
    let [s] = sessions(&recs)[..] else { panic!("{recs:#?}") };
    assert_eq!((s.outcome, s.legs.len()), (SessionOutcome::CustomerNotReached, 0), "{s:#?}");
    let amount = ainsim_billing::Tariff::default().charge(s);
    assert_eq!(amount, 0, "a session that never connected costs nothing");
}

#[test]
fn records_survive_in_sled_and_list_with_the_business_totals() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Topology::default_fig1();
    t.phone_mut("2015550100").holding = Some(30 * S);
    t.phone_mut("2015550101").calls.push(call("2125550143", Some(5 * S)));
    let recs = records(&t, Variant::Ansi, 300 * S, click_to_call);
    {
        let mut store = SledStore::open(dir.path()).unwrap();
        save(&mut store, &recs).unwrap();
    }
    let store = SledStore::open(dir.path()).unwrap();
    let all = list(&store, &Filter::default()).unwrap();
    let mut want = recs.clone();
    want.sort_by_key(Record::key);
    assert_eq!(all.records, want, "everything written comes back, in key order");
    let abc = list(&store, &Filter { business: Some("ABC".into()), run: None }).unwrap();
    assert_eq!(abc.records.len(), 3, "the session and its two legs: {:#?}", abc.records);
    let [tot] = abc.totals.as_slice() else { panic!("{:?}", abc.totals) };
    assert_eq!((tot.business.as_str(), tot.sessions, tot.connected, tot.legs), ("ABC", 1, 1, 2));
    assert!(tot.amount_cents > 10, "set-up fee and minutes: {tot:?}");
}
