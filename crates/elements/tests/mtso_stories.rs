//! The MTSO in simulated time: a landline on SSP-A calls the mobile
//! 9175550123 behind the MTSO over an ISUP trunk; the mobile answers after
//! paging, is switched off, does not answer the page, roams at a foreign
//! MSC, or calls the landline itself. Every assertion reads the frames the
//! elements put on the links, decoded with the wire codecs.
//!
//! Topology (direct signalling links, 5 ms; lines 1 ms):
//!
//! ```text
//! 2015550100 ── SSP-A (pc 1) ══ MTSO (pc 2) ══ MTSO-V (pc 3) ── 3125550777 (the roamer)
//!                                  │
//!                              9175550123
//! ```
//!
//! SSP-A routes 917 to the MTSO; the MTSO routes 201 to SSP-A and 312 (the
//! visited network's roaming numbers) to MTSO-V, where the roaming mobile
//! is known by its roaming number.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use ainsim_elements::line::{LineSignal, Tone};
use ainsim_elements::mtso::{MobileState, Mtso, MtsoConfig};
use ainsim_elements::phone::{Phone, PhoneScript, PlacedCall, WhenCalled};
use ainsim_elements::ssp::{Ssp, SspConfig};
use ainsim_elements::{Instant, NodeId, Port};
use ainsim_runtime::{LinkKind, LinkModel, Simulator};
use ainsim_wire::isup::{self, MessageType as M, Parameter as P};
use ainsim_wire::stack::{Frame, Start};
use ainsim_wire::{IsupRepr, PointCode, Variant};

const LANDLINE: &str = "2015550100";
const MOBILE: &str = "9175550123";
const MSRN: &str = "3125550777";
const SS7: Duration = Duration::from_millis(5);
const LINE: Duration = Duration::from_millis(1);
const PAGING: Duration = Duration::from_secs(2);
const PAGE_TIMEOUT: Duration = Duration::from_secs(6);

fn pc(v: Variant, n: u8) -> u32 {
    match v {
        Variant::Itu => u32::from(n),
        Variant::Ansi => PointCode::ansi(1, 1, n).0,
    }
}

fn variant_name(v: Variant) -> &'static str {
    if v == Variant::Itu {
        "itu"
    } else {
        "ansi"
    }
}

fn ssp_a(v: Variant) -> SspConfig {
    toml::from_str(&format!(
        r#"
        name = "SSP-A"
        [signalling]
        point_code = {a}
        variant = "{var}"
        linksets = [ {{ adjacent = {m}, ports = [100] }} ]
        [[lines]]
        number = "{LANDLINE}"
        port = 0
        [numbering]
        number_length = 10
        routes = [ {{ prefix = "917", trunk_groups = ["to-mtso"] }} ]
        [[trunk_groups]]
        name = "to-mtso"
        far_end = {m}
        cics = [1, 8]
        "#,
        a = pc(v, 1),
        m = pc(v, 2),
        var = variant_name(v),
    ))
    .unwrap()
}

/// The home MTSO, as docs/mtso.md shows it.
fn mtso(v: Variant) -> MtsoConfig {
    toml::from_str(&format!(
        r#"
        [switch]
        name = "MTSO"
        [switch.signalling]
        point_code = {m}
        variant = "{var}"
        linksets = [ {{ adjacent = {a}, ports = [100] }}, {{ adjacent = {visited}, ports = [101] }} ]
        routes = [ {{ dpc = {a}, ranks = [[0]] }}, {{ dpc = {visited}, ranks = [[1]] }} ]
        [switch.numbering]
        number_length = 10
        routes = [
          {{ prefix = "201", trunk_groups = ["to-a"] }},
          {{ prefix = "312", trunk_groups = ["to-visited"] }},
        ]
        [[switch.trunk_groups]]
        name = "to-a"
        far_end = {a}
        cics = [1, 8]
        [[switch.trunk_groups]]
        name = "to-visited"
        far_end = {visited}
        cics = [1, 8]

        [paging]
        delay = "2s"
        timeout = "6s"

        [[subscribers]]
        number = "{MOBILE}"
        port = 0
        state = "attached"
        "#,
        a = pc(v, 1),
        m = pc(v, 2),
        visited = pc(v, 3),
        var = variant_name(v),
    ))
    .unwrap()
}

/// The foreign MSC: the roamer is its subscriber under the roaming number.
fn visited(v: Variant) -> MtsoConfig {
    let json = serde_json::json!({
        "switch": {
            "name": "MTSO-V",
            "signalling": { "point_code": pc(v, 3), "variant": variant_name(v),
                            "linksets": [{ "adjacent": pc(v, 2), "ports": [100] }] },
            "numbering": { "number_length": 10,
                           "routes": [{ "prefix": "", "trunk_groups": ["to-home"] }] },
            "trunk_groups": [{ "name": "to-home", "far_end": pc(v, 2), "cics": [1, 8] }]
        },
        "paging": { "delay": "2s", "timeout": "6s" },
        "subscribers": [{ "number": MSRN, "port": 0 }]
    });
    serde_json::from_value(json).unwrap()
}

struct Story {
    sim: Simulator,
    v: Variant,
    mtso: NodeId,
    landline: NodeId,
    mobile: NodeId,
    roamer: NodeId,
}

/// One ISUP message on a signalling link, decoded.
#[derive(Debug)]
struct Msg {
    at: Instant,
    from: String,
    to: String,
    isup: IsupRepr,
}

impl Msg {
    fn cause(&self) -> Option<u8> {
        match self.isup.find(isup::code::CAUSE) {
            Some(P::CauseIndicators(c)) => Some(c.value),
            _ => None,
        }
    }

    fn number(&self, code: u8) -> Option<String> {
        self.isup.find(code).and_then(P::digits).map(str::to_owned)
    }
}

fn story(v: Variant, landline: PhoneScript, mobile: PhoneScript, state: MobileState) -> Story {
    let mut sim = Simulator::new(3);
    let a = sim.add_node("SSP-A", Ssp::new(&ssp_a(v)).unwrap()).unwrap();
    let mut m = Mtso::new(&mtso(v)).unwrap();
    m.set_state(MOBILE, state).unwrap();
    let mtso = sim.add_node("MTSO", m).unwrap();
    let visited = sim.add_node("MTSO-V", Mtso::new(&visited(v)).unwrap()).unwrap();
    let landline = sim.add_node(LANDLINE, Phone::new(landline)).unwrap();
    let mobile = sim.add_node(MOBILE, Phone::new(mobile)).unwrap();
    let mut roamer = PhoneScript::new(MOBILE);
    roamer.when_called = WhenCalled::Answer { after: Duration::from_secs(3) };
    let roamer = sim.add_node("9175550123@MTSO-V", Phone::new(roamer)).unwrap();
    let ss7 = LinkModel::fixed(SS7);
    let line = LinkModel::fixed(LINE);
    sim.link((a, Port(100)), (mtso, Port(100)), LinkKind::Ss7, ss7).unwrap();
    sim.link((mtso, Port(101)), (visited, Port(100)), LinkKind::Ss7, ss7).unwrap();
    sim.link((landline, Phone::LINE), (a, Port(0)), LinkKind::Line, line).unwrap();
    sim.link((mobile, Phone::LINE), (mtso, Port(0)), LinkKind::Line, line).unwrap();
    sim.link((roamer, Phone::LINE), (visited, Port(0)), LinkKind::Line, line).unwrap();
    sim.tap_pcap_memory();
    sim.start();
    Story { sim, v, mtso, landline, mobile, roamer }
}

impl Story {
    /// Every call-related ISUP message (start-up GRS/GRA left out), decoded.
    fn isup(&self) -> Vec<Msg> {
        self.sim
            .trace()
            .iter()
            .filter(|e| e.kind == LinkKind::Ss7)
            .map(|e| {
                let f = Frame::decode(&e.bytes, Start::Mtp3, self.v, false).unwrap();
                Msg {
                    at: e.sent,
                    from: e.from_name.to_string(),
                    to: e.to_name.to_string(),
                    isup: f.isup.unwrap(),
                }
            })
            .filter(|m| !matches!(m.isup.message_type, M::Grs | M::Gra))
            .collect()
    }

    /// The ladder as `"SSP-A>MTSO IAM"` strings.
    fn ladder(&self) -> Vec<String> {
        self.isup().iter().map(|m| format!("{}>{} {}", m.from, m.to, m.isup.message_type.acronym())).collect()
    }

    /// The line signals `phone` heard (decoded off its link), with times.
    fn heard(&self, phone: NodeId) -> Vec<(Instant, LineSignal)> {
        self.sim
            .trace()
            .iter()
            .filter(|e| e.kind == LinkKind::Line && e.to == phone)
            .map(|e| (e.sent.after(LINE), LineSignal::parse(&e.bytes).unwrap()))
            .collect()
    }

    /// What `phone` sent, with times.
    fn said(&self, phone: NodeId) -> Vec<(Instant, LineSignal)> {
        self.sim
            .trace()
            .iter()
            .filter(|e| e.kind == LinkKind::Line && e.from == phone)
            .map(|e| (e.sent, LineSignal::parse(&e.bytes).unwrap()))
            .collect()
    }

    fn mtso(&self) -> &Mtso {
        self.sim.element::<Mtso>(self.mtso).unwrap()
    }

    fn print(&self) {
        let opts = ainsim_runtime::ladder::Options::new(self.v);
        println!("{}", self.sim.ladder(&opts));
    }

    /// Wireshark decodes every frame without a malformed or expert item.
    /// GRS/GRA (the switches' start-up resets) are left out: Wireshark notes
    /// on every GRS that it has no status subfield, which is as Q.763 says;
    /// in ANSI, RLC too is left out: the codec gives the ANSI RLC an
    /// optional-part pointer, which Wireshark notes (the wire layer's choice,
    /// see the click-to-call story).
    fn wireshark(&self, name: &str) {
        use std::process::Command;
        if !Command::new("tshark").arg("--version").output().is_ok_and(|o| o.status.success()) {
            eprintln!("!!!!!!!! tshark not found: SKIPPING the Wireshark check of {name} !!!!!!!!");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("{name}.pcap"));
        std::fs::write(&path, self.sim.pcap_bytes()).unwrap();
        let standard = if self.v == Variant::Ansi { "mtp3.standard:ANSI" } else { "mtp3.standard:ITU" };
        let filter = if self.v == Variant::Ansi {
            "(_ws.malformed || _ws.expert) && !(isup.message_type == 23 || isup.message_type == 41 || isup.message_type == 16)"
        } else {
            "(_ws.malformed || _ws.expert) && !(isup.message_type == 23 || isup.message_type == 41)"
        };
        let out = Command::new("tshark")
            .args(["-n", "-o", standard, "-r"])
            .arg(&path)
            .args(["-Y", filter, "-V"])
            .output()
            .unwrap();
        assert!(out.status.success(), "tshark failed: {}", String::from_utf8_lossy(&out.stderr));
        let bad = String::from_utf8_lossy(&out.stdout);
        assert!(bad.trim().is_empty(), "tshark flags frames of {name}:\n{bad}");
        let n = Command::new("tshark").args(["-n", "-o", standard, "-r"]).arg(&path).output().unwrap();
        assert!(String::from_utf8_lossy(&n.stdout).contains("ISUP"), "no ISUP in {name}");
    }
}

fn calls(to: &str, holding: Option<Duration>) -> Vec<PlacedCall> {
    vec![PlacedCall { at: Duration::from_secs(1), to: to.into(), holding, give_up_after: None }]
}

fn caller(holding_s: u64) -> PhoneScript {
    let mut s = PhoneScript::new(LANDLINE);
    s.calls = calls(MOBILE, Some(Duration::from_secs(holding_s)));
    s
}

fn answers_after(number: &str, s: u64) -> PhoneScript {
    let mut p = PhoneScript::new(number);
    p.when_called = WhenCalled::Answer { after: Duration::from_secs(s) };
    p
}

fn at(messages: &[Msg], what: M) -> &Msg {
    messages.iter().find(|m| m.isup.message_type == what).unwrap_or_else(|| panic!("no {what:?}"))
}

#[test]
fn a_call_to_the_mobile_is_answered_after_paging() {
    for v in [Variant::Itu, Variant::Ansi] {
        let mut s = story(v, caller(30), answers_after(MOBILE, 3), MobileState::Attached);
        s.sim.run_for(Duration::from_secs(60));
        s.print();
        assert_eq!(
            s.ladder(),
            ["SSP-A>MTSO IAM", "MTSO>SSP-A ACM", "MTSO>SSP-A ANM", "SSP-A>MTSO REL", "MTSO>SSP-A RLC"],
            "{v:?}"
        );
        let msgs = s.isup();
        let iam = at(&msgs, M::Iam);
        assert_eq!(iam.number(isup::code::CALLED).as_deref(), Some(MOBILE));
        assert_eq!(iam.number(isup::code::CALLING).as_deref(), Some(LANDLINE));
        // The MTSO pages on the IAM's arrival and sends the ACM on the page response.
        let acm = at(&msgs, M::Acm);
        assert_eq!(acm.at, iam.at.after(SS7 + PAGING));
        // ACM: called party status "subscriber free" (BCI bits DC = 01).
        let Some(P::BackwardCallIndicators(bci)) = acm.isup.find(isup::code::BACKWARD_CALL) else { panic!() };
        assert_eq!(bci.called_party_status(), 1);
        // The mobile rings only after the page response, with caller ID.
        let mobile = s.heard(s.mobile);
        assert_eq!(mobile[0], (acm.at.after(LINE), LineSignal::Ring { caller: Some(LANDLINE.into()) }));
        // It answers 3 s later: ANM.
        let anm = at(&msgs, M::Anm);
        assert_eq!(anm.at, acm.at.after(LINE + Duration::from_secs(3) + LINE));
        // The post-dial delay (last digit to ringback) includes the paging delay.
        let landline = s.heard(s.landline);
        let dialled =
            s.said(s.landline).iter().find(|(_, sig)| matches!(sig, LineSignal::Digits(_))).unwrap().0;
        let ringback = landline.iter().find(|(_, sig)| *sig == LineSignal::Tone(Tone::Ringback)).unwrap().0;
        let pdd = ringback.since(dialled);
        assert_eq!(pdd, LINE + SS7 + PAGING + SS7 + LINE, "{v:?}: post-dial delay {pdd:?}");
        assert!(landline.iter().any(|(_, sig)| *sig == LineSignal::Connected));
        // The landline hangs up after 30 s: REL 16, RLC; the mobile hears the far end go.
        let rel = at(&msgs, M::Rel);
        assert_eq!((rel.from.as_str(), rel.cause()), ("SSP-A", Some(16)));
        assert!(s.heard(s.mobile).iter().any(|(_, sig)| *sig == LineSignal::FarEndReleased));
        let c = s.mtso().counters();
        assert_eq!((c.pages, c.page_responses, c.page_failures), (1, 1, 0));
        assert_eq!(s.mtso().ssp().counters().answered, 1);
        s.wireshark(&format!("mtso_answered_{v:?}"));
    }
}

#[test]
fn a_switched_off_mobile_is_absent_at_once_and_never_rings() {
    let mut s = story(Variant::Itu, caller(30), answers_after(MOBILE, 3), MobileState::Detached);
    s.sim.run_for(Duration::from_secs(20));
    s.print();
    assert_eq!(s.ladder(), ["SSP-A>MTSO IAM", "MTSO>SSP-A REL", "SSP-A>MTSO RLC"]);
    let msgs = s.isup();
    let rel = at(&msgs, M::Rel);
    assert_eq!(rel.cause(), Some(20));
    // No paging: the REL leaves as the IAM arrives.
    assert_eq!(rel.at, at(&msgs, M::Iam).at.after(SS7));
    assert!(s.heard(s.mobile).is_empty(), "a switched-off phone hears nothing");
    // The caller hears congestion, then hangs up.
    assert!(s.heard(s.landline).iter().any(|(_, sig)| *sig == LineSignal::Tone(Tone::Congestion)));
    assert_eq!(s.mtso().counters().pages, 0);
    assert_eq!(s.mtso().ssp().counters().released[20], 1);
    s.wireshark("mtso_switched_off");
}

#[test]
fn a_mobile_that_does_not_answer_the_page_is_absent_after_the_page_timeout() {
    let mut s = story(Variant::Itu, caller(30), answers_after(MOBILE, 3), MobileState::Unreachable);
    s.sim.run_for(Duration::from_secs(20));
    s.print();
    assert_eq!(s.ladder(), ["SSP-A>MTSO IAM", "MTSO>SSP-A REL", "SSP-A>MTSO RLC"]);
    let msgs = s.isup();
    let rel = at(&msgs, M::Rel);
    assert_eq!(rel.cause(), Some(20));
    assert_eq!(rel.at, at(&msgs, M::Iam).at.after(SS7 + PAGE_TIMEOUT));
    assert!(s.heard(s.mobile).is_empty(), "an unreachable phone never rings");
    let c = s.mtso().counters();
    assert_eq!((c.pages, c.page_responses, c.page_failures), (1, 0, 1));
    s.wireshark("mtso_no_paging_response");
}

#[test]
fn a_caller_who_gives_up_while_the_mobile_is_paged_never_rings_it() {
    let mut landline = caller(30);
    landline.calls[0].give_up_after = Some(Duration::from_secs(1));
    let mut s = story(Variant::Itu, landline, answers_after(MOBILE, 3), MobileState::Attached);
    s.sim.run_for(Duration::from_secs(20));
    assert_eq!(s.ladder(), ["SSP-A>MTSO IAM", "SSP-A>MTSO REL", "MTSO>SSP-A RLC"]);
    assert!(s.heard(s.mobile).is_empty());
    let c = s.mtso().counters();
    assert_eq!((c.pages, c.page_responses, c.page_failures), (1, 0, 0));
    // The mobile is free again: state and switch agree.
    assert!(s.mtso().ssp().circuit_idle("to-a", 1).unwrap());
}

#[test]
fn a_roaming_mobile_is_reached_at_the_foreign_msc_by_its_roaming_number() {
    for v in [Variant::Itu, Variant::Ansi] {
        roaming(v);
    }
}

fn roaming(v: Variant) {
    let mut s = story(v, caller(30), answers_after(MOBILE, 3), MobileState::Roaming(MSRN.into()));
    s.sim.run_for(Duration::from_secs(60));
    s.print();
    assert_eq!(
        s.ladder(),
        [
            "SSP-A>MTSO IAM",
            "MTSO>MTSO-V IAM",
            "MTSO-V>MTSO ACM",
            "MTSO>SSP-A ACM",
            "MTSO-V>MTSO ANM",
            "MTSO>SSP-A ANM",
            "SSP-A>MTSO REL",
            "MTSO>SSP-A RLC",
            "MTSO>MTSO-V REL",
            "MTSO-V>MTSO RLC",
        ]
    );
    let msgs = s.isup();
    let onward = msgs.iter().find(|m| m.isup.message_type == M::Iam && m.from == "MTSO").unwrap();
    // The onward IAM: called = the roaming number, the caller kept, the mobile as redirecting and original called party.
    assert_eq!(onward.number(isup::code::CALLED).as_deref(), Some(MSRN));
    assert_eq!(onward.number(isup::code::CALLING).as_deref(), Some(LANDLINE));
    assert_eq!(onward.number(isup::code::REDIRECTING).as_deref(), Some(MOBILE));
    assert_eq!(onward.number(isup::code::ORIGINAL_CALLED).as_deref(), Some(MOBILE));
    let Some(P::RedirectionInformation(ri)) = onward.isup.find(isup::code::REDIRECTION_INFO) else {
        panic!()
    };
    assert_eq!((ri.redirecting_indicator(), ri.redirection_counter(), ri.redirecting_reason()), (1, 1, 3));
    // No paging at home; the onward IAM leaves as the first one arrives.
    assert_eq!(onward.at, at(&msgs, M::Iam).at.after(SS7));
    // The foreign MSC pages its visitor: its ACM comes a paging delay later.
    let acm_v = msgs.iter().find(|m| m.isup.message_type == M::Acm && m.from == "MTSO-V").unwrap();
    assert_eq!(acm_v.at, onward.at.after(SS7 + PAGING));
    assert!(s.heard(s.mobile).is_empty(), "nothing reaches the home port of a roamer");
    assert_eq!(s.heard(s.roamer)[0].1, LineSignal::Ring { caller: Some(LANDLINE.into()) });
    assert!(s.heard(s.landline).iter().any(|(_, sig)| *sig == LineSignal::Connected));
    assert_eq!(s.mtso().counters().pages, 0);
    s.wireshark(&format!("mtso_roaming_{v:?}"));
}

#[test]
fn the_mobile_calls_the_landline() {
    let mut mobile = PhoneScript::new(MOBILE);
    mobile.calls = calls(LANDLINE, Some(Duration::from_secs(20)));
    let mut s = story(Variant::Itu, answers_after(LANDLINE, 2), mobile, MobileState::Attached);
    s.sim.run_for(Duration::from_secs(60));
    s.print();
    assert_eq!(
        s.ladder(),
        ["MTSO>SSP-A IAM", "SSP-A>MTSO ACM", "SSP-A>MTSO ANM", "MTSO>SSP-A REL", "SSP-A>MTSO RLC"]
    );
    let msgs = s.isup();
    let iam = at(&msgs, M::Iam);
    assert_eq!(iam.number(isup::code::CALLED).as_deref(), Some(LANDLINE));
    assert_eq!(iam.number(isup::code::CALLING).as_deref(), Some(MOBILE));
    assert_eq!(at(&msgs, M::Rel).cause(), Some(16));
    let heard: Vec<LineSignal> = s.heard(s.mobile).into_iter().map(|(_, sig)| sig).collect();
    assert_eq!(
        heard,
        [LineSignal::Tone(Tone::Dial), LineSignal::Tone(Tone::Ringback), LineSignal::Connected]
    );
    assert_eq!(s.mtso().counters().pages, 0);
    s.wireshark("mtso_mobile_originated");
}

#[test]
fn a_switched_off_mobile_cannot_call_and_is_reached_once_switched_on() {
    let mut mobile = PhoneScript::new(MOBILE);
    mobile.calls = calls(LANDLINE, Some(Duration::from_secs(20)));
    mobile.calls[0].give_up_after = Some(Duration::from_secs(5));
    let mut landline = answers_after(LANDLINE, 2);
    landline.calls = vec![PlacedCall {
        at: Duration::from_secs(15),
        to: MOBILE.into(),
        holding: Some(Duration::from_secs(10)),
        give_up_after: None,
    }];
    let mut s = story(Variant::Itu, landline, mobile, MobileState::Detached);
    s.sim.run_for(Duration::from_secs(10));
    assert!(s.ladder().is_empty(), "no call leaves a phone that is off the air");
    assert!(s.heard(s.mobile).is_empty());
    assert_eq!(s.mtso().counters().refused_frames, 2, "its off-hook and its give-up on-hook");
    // Switched on again: the landline's call at 15 s is paged and answered.
    s.sim.element_mut::<Mtso>(s.mtso).unwrap().set_state(MOBILE, MobileState::Attached).unwrap();
    assert_eq!(s.mtso().state(MOBILE), Some(&MobileState::Attached));
    s.sim.run_for(Duration::from_secs(30));
    assert_eq!(
        s.ladder(),
        ["SSP-A>MTSO IAM", "MTSO>SSP-A ACM", "MTSO>SSP-A ANM", "SSP-A>MTSO REL", "MTSO>SSP-A RLC"]
    );
    assert_eq!(s.mtso().counters().page_responses, 1);
}
