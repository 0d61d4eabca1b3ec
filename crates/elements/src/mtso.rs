//! The MTSO (mobile telephone switching office): a switch whose subscribers
//! are mobile phones, reached over ISUP like any SSP.
//!
//! The MTSO is an [`Ssp`] — the same ISUP call control, trunk groups,
//! numbering plan, timers and circuit maintenance — with a radio side put
//! between the switch and its subscribers' line ports. Every mobile
//! subscriber is a line of the inner switch on the port its [`Phone`]
//! hangs on; the MTSO passes line frames through, except that it
//!
//! - **pages** before ringing: the switch's `Ring` toward a mobile is held
//!   while the mobile is paged. An attached mobile answers the page after
//!   [`PagingConfig::delay`]: the ring goes on to the phone and the switch
//!   sends the ACM only then ([`Ssp::set_deferred_alerting`]), so the
//!   caller's post-dial delay includes paging (a mobile going off-hook
//!   while paged takes the call at once). No page response within
//!   [`PagingConfig::timeout`] releases the call with cause 20 (subscriber
//!   absent) and the phone never rings.
//! - keeps a **radio state** per subscriber ([`MobileState`]): attached
//!   (idle, pageable), detached (switched off: cause 20 at once, no
//!   paging), unreachable (the page goes unanswered: cause 20 after the
//!   timeout), or roaming at a foreign MSC under a roaming number (MSRN):
//!   calls go on over ISUP to the MSRN, with redirection information
//!   ([`Ssp::set_forward`]). The state changes at run time with
//!   [`Mtso::set_state`].
//! - lets a mobile **originate** only while attached (its off-hook and
//!   digits reach the switch); a mobile that is not attached is not on the
//!   air, so its frames are refused and counted, except the frames of a
//!   call it already has (so its hang-up still clears that call).
//!
//! What it is not: no HLR/VLR, MAP, location updating or handover; the
//! roaming number is configured, not fetched from the visited MSC; no
//! repeated paging (one page, one timeout); mobile-originated calls have no
//! radio access delay; a state change does not touch a call in progress (a
//! page in progress resolves by the state when it ends).
//!
//! Contract: `handle` never panics on input; timers of the MTSO itself use
//! kind [`PAGE_TIMER`] in the high half of the [`TimerId`] (the inner
//! switch's kinds are below it); no output depends on hash order.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;

use crate::core::{Element, EventKind, Input, Instant, Output, Outputs, Port, TimerId};
use crate::line::LineSignal;
use crate::ssp::config::humane;
use crate::ssp::{cause, ConfigError, LineClass, LineConfig, Ssp, SspConfig, LINE_EVENT_BASE};

#[cfg(doc)]
use crate::phone::Phone;

/// The timer kind (`TimerId >> 32`) of a page; the low half is the subscriber.
pub const PAGE_TIMER: u64 = 0x100;

/// Everything an [`Mtso`] needs to start.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MtsoConfig {
    /// The switch: name, signalling, trunk groups, numbering plan, timers
    /// (and fixed lines, if any). The subscribers become its lines.
    pub switch: SspConfig,
    #[serde(default)]
    pub paging: PagingConfig,
    #[serde(default)]
    pub subscribers: Vec<MobileSubscriber>,
}

/// Paging: how long an attached mobile takes to answer a page, and how long
/// the MTSO waits for an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PagingConfig {
    /// Page to page response for an attached mobile (default 2 s).
    #[serde(with = "humane")]
    pub delay: Duration,
    /// No page response by then: subscriber absent, cause 20 (default 6 s).
    #[serde(with = "humane")]
    pub timeout: Duration,
}

impl Default for PagingConfig {
    fn default() -> Self {
        PagingConfig { delay: Duration::from_secs(2), timeout: Duration::from_secs(6) }
    }
}

/// A mobile subscriber of the MTSO.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MobileSubscriber {
    /// The directory number (MSISDN, `"9175550123"`).
    pub number: String,
    /// The port its phone hangs on (the radio side, as a line).
    pub port: Port,
    #[serde(default)]
    pub state: MobileState,
}

/// Where a mobile subscriber is, as far as the MTSO knows.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MobileState {
    /// Switched on, here, idle: pages are answered after the paging delay.
    #[default]
    Attached,
    /// Switched off (IMSI detach): calls get cause 20 at once, no paging.
    Detached,
    /// Registered here but out of coverage: pages go unanswered, cause 20
    /// after the page timeout.
    Unreachable,
    /// At a foreign MSC: calls go on over ISUP to this roaming number (MSRN).
    Roaming(String),
}

/// Why a configuration or a state change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MtsoError {
    #[error(transparent)]
    Switch(#[from] ConfigError),
    #[error("mtso {mtso}: subscriber {number:?}: {why}")]
    Subscriber { mtso: String, number: String, why: &'static str },
    #[error("mtso {mtso}: paging delay {delay:?} must be shorter than the page timeout {timeout:?}")]
    Paging { mtso: String, delay: Duration, timeout: Duration },
}

/// Per-MTSO radio counters (the switch's own are [`Mtso::ssp`]`().counters()`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MtsoCounters {
    /// Pages sent (one per terminating call to a mobile that is not roaming or detached).
    pub pages: u64,
    pub page_responses: u64,
    /// Pages that timed out (cause 20).
    pub page_failures: u64,
    /// Frames from mobiles that are not attached (not on the air), refused.
    pub refused_frames: u64,
}

#[derive(Debug)]
struct Sub {
    number: String,
    port: Port,
    state: MobileState,
    /// A page in progress: when it started, and the ring it holds.
    page: Option<(Instant, Bytes)>,
    /// The phone is ringing or off-hook: its frames belong to a call.
    engaged: bool,
}

/// A mobile switching office: an [`Ssp`] with paging and radio states.
#[derive(Debug)]
pub struct Mtso {
    ssp: Ssp,
    paging: PagingConfig,
    subs: Vec<Sub>,
    ports: BTreeMap<Port, u32>,
    /// The inner switch's line index of the first subscriber.
    first_line: u64,
    counters: MtsoCounters,
    scratch: Outputs,
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn page_timer(sub: u32) -> TimerId {
    TimerId(PAGE_TIMER << 32 | u64::from(sub))
}

impl Mtso {
    /// Builds the MTSO: the switch of `cfg.switch` with one line per subscriber.
    ///
    /// # Errors
    /// Everything [`Ssp::new`] refuses (a subscriber's number or port
    /// clashing with another line or a link included), a number or roaming
    /// number that is not digits, or a paging delay not shorter than the timeout.
    pub fn new(cfg: &MtsoConfig) -> Result<Mtso, MtsoError> {
        let name = &cfg.switch.name;
        if cfg.paging.delay >= cfg.paging.timeout {
            return Err(MtsoError::Paging {
                mtso: name.clone(),
                delay: cfg.paging.delay,
                timeout: cfg.paging.timeout,
            });
        }
        let mut sw = cfg.switch.clone();
        let first_line = sw.lines.len() as u64;
        for s in &cfg.subscribers {
            sw.lines.push(LineConfig {
                number: s.number.clone(),
                port: s.port,
                class: LineClass::Ordinary,
                in_service: true,
            });
        }
        let ssp = Ssp::new(&sw)?;
        let mut m = Mtso {
            ssp,
            paging: cfg.paging,
            subs: Vec::with_capacity(cfg.subscribers.len()),
            ports: BTreeMap::new(),
            first_line,
            counters: MtsoCounters::default(),
            scratch: Outputs::new(),
        };
        for (i, s) in cfg.subscribers.iter().enumerate() {
            m.ssp.set_deferred_alerting(&s.number, true);
            m.ports.insert(s.port, i as u32);
            m.subs.push(Sub {
                number: s.number.clone(),
                port: s.port,
                state: MobileState::Attached,
                page: None,
                engaged: false,
            });
            m.set_state(&s.number, s.state.clone())?;
        }
        Ok(m)
    }

    /// The inner switch (its counters, point code, circuit states).
    pub fn ssp(&self) -> &Ssp {
        &self.ssp
    }

    /// The inner switch, for maintenance commands (`block`, `reset`, …).
    pub fn ssp_mut(&mut self) -> &mut Ssp {
        &mut self.ssp
    }

    /// The radio counters.
    pub fn counters(&self) -> &MtsoCounters {
        &self.counters
    }

    /// The state of subscriber `number`.
    pub fn state(&self, number: &str) -> Option<&MobileState> {
        self.subs.iter().find(|s| s.number == number).map(|s| &s.state)
    }

    /// Moves subscriber `number` to `state` (switch it off, send it roaming,
    /// …). Applies to the next call and to a page in progress when it ends;
    /// a call already ringing or answered goes on.
    ///
    /// # Errors
    /// An unknown subscriber, or a roaming number that is not digits.
    pub fn set_state(&mut self, number: &str, state: MobileState) -> Result<(), MtsoError> {
        let bad =
            |why| MtsoError::Subscriber { mtso: self.ssp.name().to_owned(), number: number.into(), why };
        if !digits(number) {
            return Err(bad("a number is digits 0-9"));
        }
        let Some(sub) = self.subs.iter_mut().find(|s| s.number == number) else {
            return Err(bad("no such mobile subscriber"));
        };
        let msrn = match &state {
            MobileState::Roaming(m) if !digits(m) => return Err(bad("a roaming number is digits 0-9")),
            MobileState::Roaming(m) => Some(m.as_str()),
            _ => None,
        };
        self.ssp.set_in_service(number, state != MobileState::Detached);
        self.ssp.set_forward(number, msrn);
        sub.state = state;
        Ok(())
    }

    fn event_ref(&self, i: u32) -> Option<u64> {
        Some(LINE_EVENT_BASE + self.first_line + u64::from(i))
    }

    /// Uplink: a frame from mobile `i`'s phone.
    fn uplink(&mut self, now: Instant, i: u32, port: Port, bytes: &[u8], inner: &mut Outputs) {
        let sub = &mut self.subs[i as usize];
        if sub.state != MobileState::Attached && !sub.engaged {
            self.counters.refused_frames += 1;
            let why = format!(
                "{}: {} is not on the air ({:?}): frame refused",
                self.ssp.name(),
                sub.number,
                sub.state
            );
            inner.event(self.event_ref(i), EventKind::Note(why));
            return;
        }
        match LineSignal::parse(bytes) {
            Ok(LineSignal::OffHook) => {
                sub.engaged = true;
                if sub.page.take().is_some() {
                    // Off-hook while being paged: the mobile is there. Like a
                    // landline lifted as it starts to ring, it takes the call:
                    // page response (ACM), then the off-hook answers (ANM).
                    self.counters.page_responses += 1;
                    inner.cancel_timer(page_timer(i));
                    let number = sub.number.clone();
                    self.ssp.line_alerting(now, &number, inner);
                }
            }
            Ok(LineSignal::OnHook) => sub.engaged = false,
            _ => {}
        }
        self.ssp.handle(now, Input::Recv { port, bytes }, inner);
    }

    /// Downlink: a frame from the switch toward mobile `i`: pages on ring, otherwise passed on.
    fn downlink(&mut self, now: Instant, i: u32, bytes: Bytes, out: &mut Outputs) {
        let sub = &mut self.subs[i as usize];
        match LineSignal::parse(&bytes) {
            Ok(LineSignal::Ring { .. }) => {
                let wait =
                    if sub.state == MobileState::Attached { self.paging.delay } else { self.paging.timeout };
                sub.page = Some((now, bytes));
                self.counters.pages += 1;
                out.set_timer(page_timer(i), now.after(wait));
                let note = format!("{}: paging {}", self.ssp.name(), sub.number);
                out.event(self.event_ref(i), EventKind::Note(note));
            }
            Ok(LineSignal::StopRing) if sub.page.is_some() => {
                // The call ended while paging (caller gave up, or no response): the phone never rang.
                sub.page = None;
                out.cancel_timer(page_timer(i));
            }
            sig => {
                if matches!(sig, Ok(LineSignal::StopRing)) {
                    sub.engaged = false;
                }
                out.send(sub.port, bytes);
            }
        }
    }

    fn on_page_timer(&mut self, now: Instant, i: u32, inner: &mut Outputs, out: &mut Outputs) {
        let (delay, timeout) = (self.paging.delay, self.paging.timeout);
        let Some(sub) = self.subs.get_mut(i as usize) else { return };
        let Some((since, ring)) = sub.page.clone() else { return };
        let number = sub.number.clone();
        if sub.state == MobileState::Attached && now >= since.after(delay) {
            // Page response: ring the phone; the switch sends the ACM.
            sub.page = None;
            sub.engaged = true;
            self.counters.page_responses += 1;
            out.send(sub.port, ring);
            self.ssp.line_alerting(now, &number, inner);
        } else if now >= since.after(timeout) {
            self.counters.page_failures += 1;
            let note = format!("{}: no paging response from {number}: subscriber absent", self.ssp.name());
            inner.event(self.event_ref(i), EventKind::Note(note));
            // The switch's stop-ring for the phone ends the page (see `downlink`).
            if !self.ssp.release_line(now, &number, cause::ABSENT, inner) {
                self.subs[i as usize].page = None;
            }
        } else {
            // No longer attached: wait out the timeout.
            out.set_timer(page_timer(i), since.after(timeout));
        }
    }

    /// Passes the inner switch's outputs on, putting the radio side in front of the mobiles' ports.
    fn radio(&mut self, now: Instant, inner: &mut Outputs, out: &mut Outputs) {
        for o in inner.drain() {
            match o {
                Output::Send { port, bytes } => match self.ports.get(&port) {
                    Some(&i) => self.downlink(now, i, bytes, out),
                    None => out.push(Output::Send { port, bytes }),
                },
                o => out.push(o),
            }
        }
    }
}

impl Element for Mtso {
    fn name(&self) -> &str {
        self.ssp.name()
    }

    fn counter_values(&self) -> Vec<(String, u64)> {
        let c = self.counters();
        let mut v = crate::named_counters!(c; pages, page_responses, page_failures, refused_frames);
        v.extend(self.ssp.counter_values());
        v
    }

    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
        let mut inner = std::mem::take(&mut self.scratch);
        match input {
            Input::Timer(id) if id.0 >> 32 == PAGE_TIMER => {
                self.on_page_timer(now, (id.0 & 0xffff_ffff) as u32, &mut inner, out);
            }
            Input::Recv { port, bytes } => match self.ports.get(&port).copied() {
                Some(i) => self.uplink(now, i, port, bytes, &mut inner),
                None => self.ssp.handle(now, input, &mut inner),
            },
            Input::Start => {
                for s in &mut self.subs {
                    s.page = None;
                    s.engaged = false;
                }
                self.ssp.handle(now, input, &mut inner);
            }
            _ => self.ssp.handle(now, input, &mut inner),
        }
        self.radio(now, &mut inner, out);
        self.scratch = inner;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::line::Tone;
    use crate::phone::{Phone, PhoneScript, PlacedCall, WhenCalled};
    use crate::testkit::Net;
    use ainsim_wire::Variant;

    /// An MTSO with no trunks: two mobiles, a roamer whose roaming number is
    /// the first mobile, and a subscriber "roaming" at its own number (a loop).
    const EXAMPLE: &str = r#"
        [switch]
        name = "MTSO"
        [switch.signalling]
        point_code = 2
        variant = "itu"
        linksets = []
        [switch.numbering]
        number_length = 10

        [paging]
        delay = "1500ms"
        timeout = "5s"

        [[subscribers]]
        number = "9175550123"
        port = 0

        [[subscribers]]
        number = "9175550124"
        port = 1
        state = "detached"

        [[subscribers]]
        number = "9175550125"
        port = 2
        state = { roaming = "9175550123" }

        [[subscribers]]
        number = "9175550126"
        port = 3
        state = { roaming = "9175550126" }
    "#;

    fn example() -> MtsoConfig {
        toml::from_str(EXAMPLE).unwrap()
    }

    #[test]
    fn the_config_reads_from_toml_and_json_in_humane_units() {
        let c = example();
        assert_eq!(
            c.paging,
            PagingConfig { delay: Duration::from_millis(1500), timeout: Duration::from_secs(5) }
        );
        assert_eq!(c.subscribers[0].state, MobileState::Attached);
        assert_eq!(c.subscribers[1].state, MobileState::Detached);
        assert_eq!(c.subscribers[2].state, MobileState::Roaming("9175550123".into()));
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains(r#""delay":"1500ms""#), "{json}");
        assert!(json.contains(r#""state":{"roaming":"9175550123"}"#), "{json}");
        assert_eq!(serde_json::from_str::<MtsoConfig>(&json).unwrap(), c);
        let m = Mtso::new(&c).unwrap();
        assert_eq!(m.state("9175550124"), Some(&MobileState::Detached));
        assert_eq!(m.name(), "MTSO");
        // Defaults: 2 s paging delay, 6 s page timeout, attached.
        let d: PagingConfig = toml::from_str("").unwrap();
        assert_eq!((d.delay, d.timeout), (Duration::from_secs(2), Duration::from_secs(6)));
    }

    #[test]
    fn the_example_in_the_docs_builds() {
        let doc = include_str!("../../../docs/mtso.md");
        let start = doc.find("```toml\n").unwrap() + 8;
        let end = start + doc[start..].find("```").unwrap();
        let c: MtsoConfig = toml::from_str(&doc[start..end]).unwrap();
        let m = Mtso::new(&c).unwrap();
        assert_eq!(m.state("9175550123"), Some(&MobileState::Attached));
        assert_eq!(c.paging, PagingConfig::default());
    }

    #[test]
    fn configuration_and_state_mistakes_are_named() {
        let mut c = example();
        c.paging.delay = Duration::from_secs(5);
        assert!(Mtso::new(&c).unwrap_err().to_string().contains("paging delay 5s must be shorter"));
        let mut c = example();
        c.subscribers[1].port = Port(0);
        assert_eq!(
            Mtso::new(&c).unwrap_err().to_string(),
            "ssp MTSO: line \"9175550124\": port already in use"
        );
        let mut c = example();
        c.subscribers[2].state = MobileState::Roaming("x".into());
        assert!(Mtso::new(&c).unwrap_err().to_string().contains("a roaming number is digits 0-9"));
        let mut m = Mtso::new(&example()).unwrap();
        let e = m.set_state("2125550142", MobileState::Detached).unwrap_err();
        assert_eq!(e.to_string(), "mtso MTSO: subscriber \"2125550142\": no such mobile subscriber");
        m.set_state("9175550124", MobileState::Unreachable).unwrap();
        assert_eq!(m.state("9175550124"), Some(&MobileState::Unreachable));
    }

    /// Two phones on the one MTSO: `caller` (9175550123) places the call.
    fn pair(to: &str, callee: WhenCalled) -> (Net, usize, usize) {
        let mut net = Net::new(Variant::Itu, Duration::from_millis(1));
        let m = net.add(Mtso::new(&example()).unwrap());
        let mut a = PhoneScript::new("9175550123");
        a.calls = vec![PlacedCall {
            at: Duration::from_secs(1),
            to: to.into(),
            holding: None,
            give_up_after: None,
        }];
        let mut b = PhoneScript::new(to);
        b.when_called = callee;
        let (a, b) = (net.add(Phone::new(a)), net.add(Phone::new(b)));
        net.wire(m, Port(0), a, Phone::LINE, true);
        let port = match to {
            "9175550124" => 1,
            "9175550125" => 2,
            _ => 3,
        };
        net.wire(m, Port(port), b, Phone::LINE, true);
        net.start_all();
        (net, a, b)
    }

    #[test]
    fn a_mobile_to_mobile_call_to_a_switched_off_phone_gets_congestion() {
        let (mut net, a, b) = pair("9175550124", WhenCalled::default());
        net.run_for(Duration::from_secs(10));
        assert!(net.get::<Phone>(a).saw(&LineSignal::Tone(Tone::Congestion)));
        assert!(net.get::<Phone>(b).log().is_empty());
        assert_eq!(net.get::<Mtso>(0).ssp().counters().line_released[20], 1);
    }

    #[test]
    fn a_roaming_number_of_this_switch_is_routed_to_its_own_line() {
        // 9175550125 roams under 9175550123's number: the call comes back to
        // the caller's own line, which is busy (cause 17).
        let (mut net, a, _) = pair("9175550125", WhenCalled::default());
        net.run_for(Duration::from_secs(10));
        net.print();
        assert!(net.get::<Phone>(a).saw(&LineSignal::Tone(Tone::Busy)));
        let notes: Vec<String> = net
            .events
            .iter()
            .filter_map(|(_, _, e)| match &e.kind {
                EventKind::Note(n) if n.contains("forwarded") => Some(n.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(notes, ["MTSO: call to 9175550125 forwarded to 9175550123 (redirection 1)"]);
    }

    #[test]
    fn a_forwarding_loop_stops_at_the_redirection_limit_with_cause_20() {
        let (mut net, a, _) = pair("9175550126", WhenCalled::default());
        net.run_for(Duration::from_secs(10));
        assert!(net.get::<Phone>(a).saw(&LineSignal::Tone(Tone::Congestion)));
        let m = net.get::<Mtso>(0);
        assert_eq!(m.ssp().counters().line_released[20], 1);
        let limit = net
            .events
            .iter()
            .filter(|(_, _, e)| matches!(&e.kind, EventKind::Note(n) if n.contains("limit")))
            .count();
        assert_eq!(limit, 1);
    }

    #[test]
    fn a_page_response_rings_the_phone_after_the_paging_delay() {
        // Mobile to mobile on one switch: no ISUP, the page alone delays the ring.
        let mut c = example();
        c.subscribers[1].state = MobileState::Attached;
        let mut net = Net::new(Variant::Itu, Duration::from_millis(1));
        let m = net.add(Mtso::new(&c).unwrap());
        let mut a = PhoneScript::new("9175550123");
        a.calls = vec![PlacedCall {
            at: Duration::from_secs(1),
            to: "9175550124".into(),
            holding: Some(Duration::from_secs(5)),
            give_up_after: None,
        }];
        let b = PhoneScript {
            when_called: WhenCalled::Answer { after: Duration::from_secs(1) },
            ..PhoneScript::new("9175550124")
        };
        let (a, b) = (net.add(Phone::new(a)), net.add(Phone::new(b)));
        net.wire(m, Port(0), a, Phone::LINE, true);
        net.wire(m, Port(1), b, Phone::LINE, true);
        net.start_all();
        net.run_for(Duration::from_secs(20));
        let ring = net
            .get::<Phone>(b)
            .log()
            .iter()
            .find(|s| matches!(s.signal, LineSignal::Ring { .. }))
            .unwrap()
            .at;
        let dialled =
            net.get::<Phone>(a).log().iter().find(|s| matches!(s.signal, LineSignal::Digits(_))).unwrap().at;
        // Digits reach the switch (1 ms), the page takes 1.5 s, the ring reaches the phone (1 ms).
        assert_eq!(ring.since(dialled), Duration::from_millis(1502));
        assert!(net.get::<Phone>(a).saw(&LineSignal::Connected));
        assert!(net.get::<Phone>(b).saw(&LineSignal::FarEndReleased));
        assert_eq!(net.get::<Mtso>(m).counters().page_responses, 1);
    }

    #[test]
    fn an_off_hook_while_paged_takes_the_call() {
        // The called mobile starts a call of its own 1.2 s into the page:
        // page response and answer at once; its own call is not placed.
        let mut c = example();
        c.subscribers[1].state = MobileState::Attached;
        let mut net = Net::new(Variant::Itu, Duration::from_millis(1));
        let m = net.add(Mtso::new(&c).unwrap());
        let mut a = PhoneScript::new("9175550123");
        a.calls = vec![PlacedCall {
            at: Duration::from_secs(1),
            to: "9175550124".into(),
            holding: Some(Duration::from_secs(5)),
            give_up_after: None,
        }];
        let mut b = PhoneScript::new("9175550124");
        b.calls = vec![PlacedCall {
            at: Duration::from_millis(2200),
            to: "9175550123".into(),
            holding: None,
            give_up_after: Some(Duration::from_secs(3)),
        }];
        let (a, b) = (net.add(Phone::new(a)), net.add(Phone::new(b)));
        net.wire(m, Port(0), a, Phone::LINE, true);
        net.wire(m, Port(1), b, Phone::LINE, true);
        net.start_all();
        net.run_for(Duration::from_secs(20));
        net.print();
        assert!(net.get::<Phone>(a).saw(&LineSignal::Connected));
        assert!(!net.get::<Phone>(b).saw(&LineSignal::Ring { caller: Some("9175550123".into()) }));
        let c = net.get::<Mtso>(m).counters();
        assert_eq!((c.pages, c.page_responses, c.page_failures), (1, 1, 0));
        assert!(net.get::<Phone>(b).saw(&LineSignal::Connected));
        // Both halves of the intra-switch call count the answer.
        assert_eq!(net.get::<Mtso>(m).ssp().counters().answered, 2);
    }

    proptest::proptest! {
        #[test]
        fn random_frames_on_any_port_never_panic(
            frames in proptest::collection::vec((0u32..5, proptest::collection::vec(proptest::num::u8::ANY, 0..12)), 0..12)
        ) {
            static CONFIG: std::sync::OnceLock<MtsoConfig> = std::sync::OnceLock::new();
            let mut m = Mtso::new(CONFIG.get_or_init(example)).unwrap();
            let mut out = Outputs::new();
            m.handle(Instant::ZERO, Input::Start, &mut out);
            for (k, (port, bytes)) in frames.iter().enumerate() {
                let now = Instant(k as u64 * 1_000_000);
                m.handle(now, Input::Recv { port: Port(*port), bytes }, &mut out);
                m.handle(now, Input::Timer(page_timer(*port)), &mut out);
                out.drain();
            }
        }
    }
}
