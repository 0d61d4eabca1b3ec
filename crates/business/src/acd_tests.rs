//! Stories of the ACD's policies, and proptests of its invariants.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use proptest::prelude::{any, prop_assert, prop_assert_eq, prop_oneof, Just, ProptestConfig, TestCaseError};
use proptest::strategy::Strategy as Gen;

use super::*;

fn secs(s: u64) -> Instant {
    Instant(s * 1_000_000)
}

fn skills(list: &[(&str, u8)]) -> BTreeMap<String, u8> {
    list.iter().map(|(s, l)| ((*s).to_owned(), *l)).collect()
}

/// An ACD with these representatives, each logged in (available) at the given second.
/// A representative: id, skills, second they log in.
type Rep<'a> = (&'a str, &'a [(&'a str, u8)], u64);

fn acd_with(cfg: AcdConfig, agents: &[Rep<'_>]) -> Acd {
    let mut acd = Acd::new(cfg, 7);
    for (id, sk, _) in agents {
        acd.add_agent(id, skills(sk)).expect("new agent");
    }
    let mut by_time: Vec<_> = agents.iter().collect();
    by_time.sort_by_key(|a| a.2);
    for (id, _, t) in by_time {
        acd.set_status(secs(*t), id, Status::Available).expect("log in");
    }
    acd
}

fn call(id: u64, skill: Option<&str>) -> CallSpec {
    CallSpec { id: CallId(id), skill: skill.map(str::to_owned), preferred: None, priority: 0, due: None }
}

fn offered(d: &[Decision]) -> Vec<(u64, String)> {
    d.iter()
        .filter_map(|x| match x {
            Decision::Offer { call, agent, .. } => Some((call.0, agent.clone())),
            _ => None,
        })
        .collect()
}

fn offer_to(d: &[Decision]) -> Option<String> {
    offered(d).first().map(|x| x.1.clone())
}

/// Answers and ends a call at once (talk time `talk` seconds).
fn serve(acd: &mut Acd, now: u64, talk: u64, id: u64) -> Vec<Decision> {
    acd.answered(secs(now), CallId(id)).expect("answer");
    acd.ended(secs(now + talk), CallId(id)).expect("end")
}

fn no_wrap() -> AcdConfig {
    AcdConfig { wrap_up_ms: 0, ..AcdConfig::default() }
}

#[test]
fn the_cruise_page_gets_the_cruise_expert_even_if_the_flights_expert_waited_longer() {
    let mut acd = acd_with(
        AcdConfig::default(),
        &[("flights-1", &[("flights", 1), ("cruise", 3)], 0), ("cruise-1", &[("cruise", 1)], 50)],
    );
    let d = acd.request(secs(60), call(1, Some("cruise"))).expect("request");
    assert_eq!(d, vec![Decision::Offer { call: CallId(1), agent: "cruise-1".into(), dial_at: secs(60) }]);
    assert_eq!(acd.agent("cruise-1").map(|a| a.status), Some(Status::OnCall));
    // A page with no skill goes to whoever waited longest.
    let d = acd.request(secs(61), call(2, None)).expect("request");
    assert_eq!(offer_to(&d).as_deref(), Some("flights-1"));
    acd.check_invariants().expect("invariants");
}

#[test]
fn a_cruise_call_widens_to_the_flights_expert_after_20_s_and_to_anyone_after_60_s() {
    let mut acd = acd_with(
        AcdConfig::default(),
        &[
            ("cruise-1", &[("cruise", 1)], 0),
            ("flights-1", &[("flights", 1), ("cruise", 3)], 0),
            ("temp", &[], 0),
        ],
    );
    acd.request(secs(1), call(1, Some("cruise"))).expect("request"); // cruise-1 busy now
    let d = acd.request(secs(10), call(2, Some("cruise"))).expect("request");
    assert!(matches!(d.as_slice(), [Decision::Queued { position: 0, .. }]), "{d:?}");
    assert_eq!(acd.poll_timeout(), Some(secs(30)), "the second tier starts 20 s after it began waiting");
    let d = acd.handle_timeout(secs(30));
    assert_eq!(offer_to(&d).as_deref(), Some("flights-1"));

    acd.request(secs(31), call(3, Some("cruise"))).expect("request");
    assert!(offered(&acd.handle_timeout(secs(51))).is_empty(), "nobody else knows cruises");
    let d = acd.handle_timeout(secs(91));
    assert_eq!(offer_to(&d).as_deref(), Some("temp"), "after 60 s anyone will do");
}

#[test]
fn longest_idle_is_the_default() {
    let mut acd = acd_with(no_wrap(), &[("a", &[], 3), ("b", &[], 1), ("c", &[], 2)]);
    let d = acd.request(secs(10), call(1, None)).expect("request");
    assert_eq!(offer_to(&d).as_deref(), Some("b"));
    // b serves and is free again at 20: now c has been idle the longest.
    serve(&mut acd, 10, 10, 1);
    let d = acd.request(secs(21), call(2, None)).expect("request");
    assert_eq!(offer_to(&d).as_deref(), Some("c"));
}

#[test]
fn round_robin_goes_round_in_registration_order() {
    let cfg = AcdConfig { strategy: Strategy::RoundRobin, ..no_wrap() };
    let mut acd = acd_with(cfg, &[("a", &[], 3), ("b", &[], 1), ("c", &[], 2)]);
    let mut picks = Vec::new();
    for i in 0..5 {
        let d = acd.request(secs(10 + i), call(i, None)).expect("request");
        picks.push(offer_to(&d).unwrap_or_default());
        serve(&mut acd, 10 + i, 0, i);
    }
    assert_eq!(picks, ["a", "b", "c", "a", "b"]);
}

#[test]
fn fewest_calls_evens_out_the_work() {
    let cfg = AcdConfig { strategy: Strategy::FewestCalls, ..no_wrap() };
    let mut acd = acd_with(cfg, &[("a", &[], 0), ("b", &[], 0)]);
    // a takes two calls in a row while b is on break.
    acd.set_status(secs(1), "b", Status::OnBreak).expect("break");
    for i in 0..2 {
        acd.request(secs(2 + i), call(i, None)).expect("request");
        serve(&mut acd, 2 + i, 0, i);
    }
    acd.set_status(secs(5), "b", Status::Available).expect("back");
    // a has now been idle longer, but b has answered fewer calls.
    let d = acd.request(secs(9), call(9, None)).expect("request");
    assert_eq!(offer_to(&d).as_deref(), Some("b"));
}

#[test]
fn random_is_the_same_for_the_same_seed_and_stays_among_the_qualified() {
    let picks = |seed: u64| {
        let cfg = AcdConfig { strategy: Strategy::Random, ..no_wrap() };
        let mut acd = Acd::new(cfg, seed);
        for id in ["a", "b", "c", "d"] {
            acd.add_agent(id, skills(&[("cruise", 1)])).expect("agent");
            acd.set_status(secs(0), id, Status::Available).expect("in");
        }
        acd.add_agent("x", skills(&[("flights", 1)])).expect("agent");
        acd.set_status(secs(0), "x", Status::Available).expect("in");
        (0..40)
            .map(|i| {
                let d = acd.request(secs(1 + i), call(i, Some("cruise"))).expect("request");
                serve(&mut acd, 1 + i, 0, i);
                offer_to(&d).unwrap_or_default()
            })
            .collect::<Vec<_>>()
    };
    let one = picks(42);
    assert_eq!(one, picks(42));
    assert_ne!(one, picks(43));
    assert!(!one.contains(&"x".to_owned()), "the flights expert never gets a cruise call");
    let distinct: BTreeSet<_> = one.iter().collect();
    assert_eq!(distinct.len(), 4, "every cruise expert is picked sometimes: {one:?}");
}

#[test]
fn fixed_order_always_tries_the_first_listed() {
    let cfg =
        AcdConfig { strategy: Strategy::FixedOrder, fixed_order: vec!["c".into(), "a".into()], ..no_wrap() };
    let mut acd = acd_with(cfg, &[("a", &[], 0), ("b", &[], 0), ("c", &[], 5)]);
    let d = acd.request(secs(10), call(1, None)).expect("request");
    assert_eq!(offer_to(&d).as_deref(), Some("c"));
    let d = acd.request(secs(10), call(2, None)).expect("request");
    assert_eq!(offer_to(&d).as_deref(), Some("a"));
    let d = acd.request(secs(10), call(3, None)).expect("request");
    assert_eq!(offer_to(&d).as_deref(), Some("b"), "then the unlisted, in registration order");
}

#[test]
fn a_vip_goes_ahead_of_earlier_callers_but_not_of_other_vips() {
    let mut acd = acd_with(no_wrap(), &[("a", &[], 0)]);
    acd.request(secs(1), call(1, None)).expect("request"); // a is busy
    acd.request(secs(2), call(2, None)).expect("request");
    acd.request(secs(3), CallSpec { priority: 5, ..call(3, None) }).expect("request");
    acd.request(secs(4), CallSpec { priority: 5, ..call(4, None) }).expect("request");
    assert_eq!(acd.queue(), [CallId(3), CallId(4), CallId(2)]);
    let d = serve(&mut acd, 5, 1, 1);
    assert_eq!(offered(&d), [(3, "a".to_owned())]);
}

#[test]
fn a_representative_in_wrap_up_gets_the_call_for_when_wrap_up_ends() {
    let cfg = AcdConfig { wrap_up_ms: 10_000, soon_free_ms: 5_000, ..AcdConfig::default() };
    let mut acd = acd_with(cfg, &[("a", &[], 0)]);
    acd.request(secs(1), call(1, None)).expect("request");
    serve(&mut acd, 1, 20, 1); // ends at 21, wrap-up to 31
    assert_eq!(acd.agent("a").map(|a| (a.status, a.wrap_until)), Some((Status::WrapUp, Some(secs(31)))));
    // At 22 the wrap-up ends in 9 s: too far; the call waits.
    let d = acd.request(secs(22), call(2, None)).expect("request");
    assert!(offered(&d).is_empty());
    // At 26 it ends within 5 s: offered for 31.
    assert_eq!(acd.poll_timeout(), Some(secs(26)));
    let d = acd.handle_timeout(secs(26));
    assert_eq!(d, vec![Decision::Offer { call: CallId(2), agent: "a".into(), dial_at: secs(31) }]);
    assert_eq!(acd.agent("a").map(|a| a.status), Some(Status::WrapUp));
    acd.handle_timeout(secs(31));
    assert_eq!(acd.agent("a").map(|a| a.status), Some(Status::OnCall));
    acd.check_invariants().expect("invariants");
}

#[test]
fn wrap_up_ends_by_itself_or_by_hand() {
    let mut acd = acd_with(AcdConfig::default(), &[("a", &[], 0)]);
    acd.request(secs(1), call(1, None)).expect("request");
    serve(&mut acd, 1, 5, 1);
    assert_eq!(acd.poll_timeout(), Some(secs(16)));
    acd.handle_timeout(secs(16));
    assert_eq!(acd.agent("a").map(|a| (a.status, a.idle_since)), Some((Status::Available, secs(16))));
    acd.set_status(secs(17), "a", Status::WrapUp).expect("manual wrap-up");
    assert_eq!(acd.poll_timeout(), None, "a manual wrap-up has no end");
    acd.set_status(secs(18), "a", Status::Available).expect("done");
}

#[test]
fn a_representative_who_misses_three_calls_is_set_away_and_the_caller_gets_the_next() {
    let mut acd = acd_with(AcdConfig::default(), &[("a", &[], 0), ("b", &[], 1)]);
    for i in 0..3u64 {
        // a is idle longest each time (b keeps serving).
        let d = acd.request(secs(10 + i * 10), call(i, None)).expect("request");
        assert_eq!(offer_to(&d).as_deref(), Some("a"), "call {i}");
        let d = acd.unreached(secs(11 + i * 10), CallId(i), Unreached::NoAnswer).expect("unreached");
        assert_eq!(offer_to(&d).as_deref(), Some("b"), "the caller gets b at once");
        if i == 2 {
            assert!(d.contains(&Decision::AgentAway { agent: "a".into() }), "{d:?}");
        }
        acd.answered(secs(12 + i * 10), CallId(i)).expect("b answers");
        acd.ended(secs(13 + i * 10), CallId(i)).expect("end");
        acd.handle_timeout(secs(13 + i * 10 + 10));
    }
    assert_eq!(acd.agent("a").map(|a| (a.status, a.missed)), Some((Status::Away, 3)));
    acd.set_status(secs(60), "a", Status::Available).expect("back");
    assert_eq!(acd.agent("a").map(|a| a.missed), Some(0));
}

#[test]
fn an_answer_clears_the_missed_count() {
    let mut acd = acd_with(no_wrap(), &[("a", &[], 0)]);
    acd.request(secs(1), call(1, None)).expect("request");
    let d = acd.unreached(secs(2), CallId(1), Unreached::Busy).expect("busy");
    assert!(matches!(d.as_slice(), [Decision::Queued { .. }]), "a is not offered the same call again: {d:?}");
    acd.request(secs(3), call(2, None)).expect("request");
    let queued = acd.queue();
    assert_eq!(queued, [CallId(1)], "call 2 went to a, call 1 still waits for someone else");
    acd.answered(secs(4), CallId(2)).expect("answer");
    assert_eq!(acd.agent("a").map(|a| a.missed), Some(0));
}

#[test]
fn the_estimated_wait_follows_the_recent_handling_times() {
    let cfg = AcdConfig { wrap_up_ms: 0, default_handle_ms: 180_000, ..AcdConfig::default() };
    let mut acd = acd_with(cfg, &[("a", &[], 0), ("b", &[], 0)]);
    acd.request(secs(1), call(1, None)).expect("request");
    acd.request(secs(1), call(2, None)).expect("request");
    let waits: Vec<_> = (3..6)
        .map(|i| match acd.request(secs(2), call(i, None)).expect("request").as_slice() {
            [Decision::Queued { position, estimated_wait_ms, .. }] => (*position, *estimated_wait_ms),
            other => panic!("not queued: {other:?}"),
        })
        .collect();
    assert_eq!(waits, [(0, Some(90_000)), (1, Some(180_000)), (2, Some(270_000))]);
    // Two calls of 60 s each: the average drops to 60 s.
    acd.answered(secs(1), CallId(1)).expect("answer");
    acd.answered(secs(1), CallId(2)).expect("answer");
    acd.ended(secs(61), CallId(1)).expect("end");
    acd.ended(secs(61), CallId(2)).expect("end");
    assert_eq!(acd.average_handle_time(), Duration::from_secs(60));
    assert_eq!(acd.estimated_wait(CallId(5)), Some(Duration::from_secs(30)));
    assert_eq!(acd.estimated_wait(CallId(3)), None, "offered, not queued");
}

#[test]
fn a_callback_keeps_its_place_in_line() {
    let mut acd = acd_with(no_wrap(), &[("a", &[], 0)]);
    acd.request(secs(1), call(1, None)).expect("request"); // a busy
    let d = acd.request(secs(2), CallSpec { due: Some(secs(100)), ..call(2, None) }).expect("callback");
    assert_eq!(d, vec![Decision::Scheduled { call: CallId(2), due: secs(100) }]);
    acd.request(secs(50), call(3, None)).expect("request");
    assert_eq!(acd.queue(), [CallId(3)]);
    assert_eq!(acd.scheduled(), [(CallId(2), secs(100))]);
    acd.handle_timeout(secs(100));
    assert_eq!(acd.queue(), [CallId(2), CallId(3)], "asked for earlier, so ahead");
    // A caller in line may also ask to be called back later, and keep the place.
    acd.call_back_later(secs(101), CallId(2), secs(200)).expect("later");
    assert_eq!(acd.queue(), [CallId(3)]);
    acd.handle_timeout(secs(200));
    assert_eq!(acd.queue(), [CallId(2), CallId(3)]);
}

#[test]
fn the_page_named_representative_is_tried_first() {
    let mut acd = acd_with(
        AcdConfig::default(),
        &[("cruise-1", &[("cruise", 1)], 0), ("cruise-2", &[("cruise", 1)], 5)],
    );
    let spec = CallSpec { preferred: Some("cruise-2".into()), ..call(1, Some("cruise")) };
    let d = acd.request(secs(10), spec).expect("request");
    assert_eq!(offer_to(&d).as_deref(), Some("cruise-2"));
    // Busy: the next named call goes by skill instead.
    let spec = CallSpec { preferred: Some("cruise-2".into()), ..call(2, Some("cruise")) };
    let d = acd.request(secs(11), spec).expect("request");
    assert_eq!(offer_to(&d).as_deref(), Some("cruise-1"));
}

#[test]
fn a_call_that_waits_too_long_is_abandoned() {
    let cfg = AcdConfig { max_wait_ms: Some(120_000), ..AcdConfig::default() };
    let mut acd = acd_with(cfg, &[]);
    acd.request(secs(0), call(1, None)).expect("request");
    let d = acd.handle_timeout(secs(120));
    assert_eq!(d, vec![Decision::Abandoned { call: CallId(1), reason: AbandonReason::WaitedTooLong }]);
    assert!(acd.queue().is_empty());
    assert_eq!(acd.poll_timeout(), None);
}

#[test]
fn statuses_the_console_cannot_set_and_ids_it_cannot_use() {
    let mut acd = acd_with(AcdConfig::default(), &[("a", &[], 0)]);
    acd.request(secs(1), call(1, None)).expect("request");
    assert_eq!(
        acd.set_status(secs(2), "a", Status::OnBreak),
        Err(AcdError::AgentHasCall { agent: "a".into(), call: CallId(1) })
    );
    assert_eq!(
        acd.set_status(secs(2), "a", Status::OnCall),
        Err(AcdError::StatusNotSettable(Status::OnCall))
    );
    assert_eq!(acd.set_status(secs(2), "zz", Status::Available), Err(AcdError::UnknownAgent("zz".into())));
    assert_eq!(acd.request(secs(2), call(1, None)), Err(AcdError::DuplicateCall(CallId(1))));
    assert_eq!(acd.answered(secs(2), CallId(9)), Err(AcdError::UnknownCall(CallId(9))));
    assert!(
        matches!(acd.ended(secs(2), CallId(1)), Ok(d) if d.contains(&Decision::Abandoned { call: CallId(1), reason: AbandonReason::Cancelled }))
    );
    assert_eq!(acd.add_agent("a", BTreeMap::new()), Err(AcdError::DuplicateAgent("a".into())));
}

// --- proptests ---------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Request { skill: Option<u8>, priority: u8, preferred: Option<u8>, later_s: Option<u8> },
    Answer(u8),
    Unreached(u8),
    End(u8),
    Abandon(u8),
    Status(u8, u8),
    Advance(u16),
}

const AGENTS: [&str; 4] = ["a", "b", "c", "d"];
const SKILLS: [&str; 2] = ["cruise", "flights"];
const STATUSES: [Status; 5] =
    [Status::Available, Status::OnBreak, Status::WrapUp, Status::Away, Status::LoggedOut];

fn op() -> impl Gen<Value = Op> {
    prop_oneof![
        3 => (proptest::option::of(0u8..2), 0u8..3, proptest::option::of(0u8..4), proptest::option::of(1u8..60))
            .prop_map(|(skill, priority, preferred, later_s)| Op::Request { skill, priority, preferred, later_s }),
        2 => any::<u8>().prop_map(Op::Answer),
        1 => any::<u8>().prop_map(Op::Unreached),
        2 => any::<u8>().prop_map(Op::End),
        1 => any::<u8>().prop_map(Op::Abandon),
        2 => (0u8..4, 0u8..5).prop_map(|(a, s)| Op::Status(a, s)),
        2 => (0u16..40_000).prop_map(Op::Advance),
    ]
}

fn strategy() -> impl Gen<Value = Strategy> {
    prop_oneof![
        Just(Strategy::LongestIdle),
        Just(Strategy::RoundRobin),
        Just(Strategy::FewestCalls),
        Just(Strategy::Random),
        Just(Strategy::FixedOrder),
    ]
}

fn fresh(strategy: Strategy, seed: u64) -> Acd {
    let cfg = AcdConfig {
        strategy,
        fixed_order: vec!["c".into(), "a".into()],
        max_wait_ms: Some(300_000),
        ..AcdConfig::default()
    };
    let mut acd = Acd::new(cfg, seed);
    for (i, id) in AGENTS.iter().enumerate() {
        let sk = skills(&[(SKILLS[i % 2], 1), (SKILLS[(i + 1) % 2], 3)]);
        let _ = acd.add_agent(id, sk);
    }
    acd
}

/// An ACD under test, the clock and the calls made so far.
struct Harness {
    acd: Acd,
    now: Instant,
    ids: Vec<CallId>,
    priority: BTreeMap<CallId, u8>,
}

impl Harness {
    fn new(acd: Acd) -> Self {
        Harness { acd, now: Instant::ZERO, ids: Vec::new(), priority: BTreeMap::new() }
    }

    fn pick(&self, n: u8) -> CallId {
        self.ids.get(usize::from(n) % self.ids.len().max(1)).copied().unwrap_or(CallId(u64::MAX))
    }

    /// Runs one op (refused ops are fine: they must just leave no trace),
    /// checks the invariants, returns the decisions.
    fn step(&mut self, op: &Op) -> Result<Vec<Decision>, TestCaseError> {
        let now = self.now;
        let d = match op {
            Op::Request { skill, priority, preferred, later_s } => {
                let id = CallId(self.ids.len() as u64);
                self.ids.push(id);
                self.priority.insert(id, *priority);
                let spec = CallSpec {
                    id,
                    skill: skill.map(|s| SKILLS[usize::from(s)].to_owned()),
                    preferred: preferred.map(|p| AGENTS[usize::from(p)].to_owned()),
                    priority: *priority,
                    due: later_s.map(|s| now.after(Duration::from_secs(u64::from(s)))),
                };
                self.acd.request(now, spec).map_err(|e| TestCaseError::fail(e.to_string()))?
            }
            Op::Answer(n) => self.acd.answered(now, self.pick(*n)).map(|()| Vec::new()).unwrap_or_default(),
            Op::Unreached(n) => {
                self.acd.unreached(now, self.pick(*n), Unreached::NoAnswer).unwrap_or_default()
            }
            Op::End(n) => self.acd.ended(now, self.pick(*n)).unwrap_or_default(),
            Op::Abandon(n) => self.acd.abandon(now, self.pick(*n)).unwrap_or_default(),
            Op::Status(a, s) => self
                .acd
                .set_status(now, AGENTS[usize::from(*a)], STATUSES[usize::from(*s)])
                .unwrap_or_default(),
            Op::Advance(ms) => {
                self.now = now.after(Duration::from_millis(u64::from(*ms)));
                let mut d = Vec::new();
                while let Some(t) = self.acd.poll_timeout().filter(|t| *t <= self.now) {
                    d.extend(self.acd.handle_timeout(t));
                }
                d
            }
        };
        self.acd.check_invariants().map_err(TestCaseError::fail)?;
        // Nobody is offered a call while holding another: the invariants
        // above would have caught a second holder.
        Ok(d)
    }
}

fn holders(acd: &Acd) -> BTreeMap<CallId, String> {
    acd.agents().filter_map(|a| a.call.map(|c| (c, a.id.clone()))).collect()
}

/// Each case runs a whole day of an ACD (about a millisecond unoptimised),
/// so the cases are capped at 2,000 whatever `PROPTEST_CASES` says
/// (proptest's own macro lets the variable override any explicit count).
fn capped() -> ProptestConfig {
    let env = ProptestConfig::default();
    ProptestConfig { cases: env.cases.min(2_000), ..env }
}

/// Runs `test` over `input` with the capped configuration.
fn check<S: Gen>(input: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = proptest::test_runner::TestRunner::new(capped());
    if let Err(e) = runner.run(&input, test) {
        panic!("{e}");
    }
}

/// Whatever happens, nobody holds two calls, no call is held twice,
/// an offer goes only to someone free, and every call is eventually
/// offered or abandoned once everyone logs in and time passes.
#[test]
fn no_agent_gets_two_calls_and_every_call_is_offered_or_abandoned() {
    check((strategy(), any::<u64>(), proptest::collection::vec(op(), 0..60)), |(strategy, seed, ops)| {
        let mut h = Harness::new(fresh(strategy, seed));
        let mut decisions = Vec::new();
        for op in &ops {
            decisions.extend(h.step(op)?);
        }
        let Harness { mut acd, mut now, .. } = h;
        let requested = ops.iter().filter(|o| matches!(o, Op::Request { .. })).count() as u64;
        // Drain: answer and end whatever is offered, bring everyone back, let time pass.
        let mut seen: BTreeSet<CallId> = BTreeSet::new();
        let note = |d: &[Decision], seen: &mut BTreeSet<CallId>| {
            for x in d {
                if let Decision::Offer { call, .. } | Decision::Abandoned { call, .. } = x {
                    seen.insert(*call);
                }
            }
        };
        note(&decisions, &mut seen);
        for _ in 0..50 {
            for (call, _) in holders(&acd) {
                let _ = acd.answered(now, call);
                let d = acd.ended(now, call).unwrap_or_default();
                note(&d, &mut seen);
            }
            for id in AGENTS {
                let d = acd.set_status(now, id, Status::Available).unwrap_or_default();
                note(&d, &mut seen);
            }
            now = now.after(Duration::from_secs(60));
            while let Some(t) = acd.poll_timeout().filter(|t| *t <= now) {
                let d = acd.handle_timeout(t);
                note(&d, &mut seen);
            }
            acd.check_invariants().map_err(TestCaseError::fail)?;
            if acd.queue().is_empty() && acd.scheduled().is_empty() && holders(&acd).is_empty() {
                break;
            }
        }
        prop_assert!(
            acd.queue().is_empty() && acd.scheduled().is_empty(),
            "still waiting: {:?}",
            acd.queue()
        );
        prop_assert_eq!(seen.len() as u64, requested, "every call offered or abandoned");
        Ok(())
    });
}

/// Among calls that queued with the same priority (and the same needs),
/// the first to arrive is the first offered.
#[test]
fn fifo_within_priority() {
    let ops = proptest::collection::vec(
        prop_oneof![
            3 => (0u8..3).prop_map(|p| Op::Request { skill: None, priority: p, preferred: None, later_s: None }),
            2 => any::<u8>().prop_map(Op::End),
            1 => (0u8..4, 0u8..2).prop_map(|(a, s)| Op::Status(a, s)),
            2 => (0u16..40_000).prop_map(Op::Advance),
        ],
        0..80,
    );
    check((strategy(), any::<u64>(), ops), |(strategy, seed, ops)| {
        let mut h = Harness::new(fresh(strategy, seed));
        let mut offers: Vec<CallId> = Vec::new();
        for op in &ops {
            let d = h.step(op)?;
            for x in &d {
                if let Decision::Offer { call, .. } = x {
                    // Answered at once, so a later End finds it talking.
                    let _ = h.acd.answered(h.now, *call);
                    offers.push(*call);
                }
            }
        }
        for p in 0..3u8 {
            let same: Vec<CallId> =
                offers.iter().copied().filter(|c| h.priority.get(c) == Some(&p)).collect();
            prop_assert!(
                same.windows(2).all(|w| w[0] < w[1]),
                "priority {} offered out of order: {:?}",
                p,
                same
            );
        }
        Ok(())
    });
}
