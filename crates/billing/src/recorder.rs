//! [`Billing`]: the sans-IO recorder that turns what the elements report into
//! call detail records.
//!
//! Inputs, in the order the runtime saw them:
//!
//! - [`Billing::event`]: an element's [`Event`], with the element's name and
//!   the time. Line events of a switch (`call` = `LINE_EVENT_BASE` + line)
//!   make legs: a `CallAttempt` on a line opens an originating leg; an
//!   `Alerting` or `Answered` on a line with no leg open opens a terminating
//!   leg; `Released` closes the line's leg with its cause. A `CallAttempt`
//!   on a circuit (`call` = CIC), or with no call reference (the ISCP's
//!   Create_Call), is remembered per switch and names the caller and the
//!   CIC of the next terminating leg on the line it was for.
//! - [`Billing::osn`]: an OSN message with its sender and receiver. A
//!   `CallSetup` opens a session under (receiver, call id); the receiver's
//!   `CallStatus`es for that call id move it on; `released` or `failed`
//!   ends it. While a session is open it claims the first new leg on the
//!   customer's line and the first on the representative's line.
//!
//! Output: [`Billing::take`] hands over the records finished so far (a leg
//! when its line is released, a session when it has ended and its legs
//! have); [`Billing::finish`] closes everything still open as unfinished.
//!
//! What it is not: a reader of ISUP frames. Switches report events for
//! their subscriber lines only, so a leg is a line's part in a call; a call
//! refused at the far switch before it rang (busy, absent) has a leg only at
//! the caller's switch, whose cause says why. IP and trunk-to-trunk
//! (transit) legs get no record.
//!
//! Contract: never panics; output depends only on the sequence of inputs;
//! memory is bounded by the calls in progress (at most [`MAX_PENDING`]
//! unmatched attempts are kept per element).

use std::collections::{BTreeMap, VecDeque};

use ainsim_elements::osn::{CallStatus, OsnError, OsnMessage};
use ainsim_elements::ssp::LINE_EVENT_BASE;
use ainsim_elements::{Event, EventKind, Instant};

use crate::cdr::{Direction, LegCdr, Outcome, Record, SessionCdr, SessionOutcome};

/// Unmatched call attempts kept per element (older ones are forgotten).
pub const MAX_PENDING: usize = 256;

/// Subscriber numbers by (switch, line index), to name the lines of events.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    lines: BTreeMap<(String, u32), String>,
}

impl Directory {
    /// An empty directory (legs are then named `line N`).
    pub fn new() -> Self {
        Directory::default()
    }

    /// Line `index` of `switch` is subscriber `number`.
    pub fn insert(&mut self, switch: &str, index: u32, number: &str) {
        self.lines.insert((switch.to_owned(), index), number.to_owned());
    }

    /// From a topology plan's `number → (switch, line index)` table.
    pub fn from_plan(plan: &ainsim_runtime::topology::Plan) -> Self {
        let mut d = Directory::new();
        for (number, (switch, index)) in &plan.lines {
            d.insert(switch, *index, number);
        }
        d
    }

    fn number(&self, switch: &str, index: u32) -> String {
        // A BTreeMap keyed by owned strings: look up without allocating twice.
        self.lines.get(&(switch.to_owned(), index)).cloned().unwrap_or_else(|| format!("line {index}"))
    }
}

#[derive(Debug, Clone)]
struct Attempt {
    from: String,
    to: String,
    cic: Option<u16>,
}

#[derive(Debug)]
struct OpenLeg {
    cdr: LegCdr,
    session: Option<(String, u64)>,
}

#[derive(Debug)]
struct SessionLeg {
    id: String,
    customer: bool,
    closed: bool,
    cause: Option<u8>,
}

#[derive(Debug)]
struct OpenSession {
    cdr: SessionCdr,
    legs: Vec<SessionLeg>,
    ended: bool,
    /// The controller said it was calling the customer.
    calling: bool,
    /// Why a party was last reported unreachable (`customer_unavailable`,
    /// `representative_unavailable`): 17 busy, 19 no answer.
    unreached: Option<u8>,
}

/// The recorder. See the module docs.
#[derive(Debug)]
pub struct Billing {
    run: String,
    dir: Directory,
    next_leg: u64,
    legs: BTreeMap<(String, u32), OpenLeg>,
    pending: BTreeMap<String, VecDeque<Attempt>>,
    sessions: BTreeMap<(String, u64), OpenSession>,
    done: Vec<Record>,
}

impl Billing {
    /// A recorder for run `run` (stamped on every record), naming lines from `dir`.
    pub fn new(run: &str, dir: Directory) -> Self {
        Billing {
            run: run.to_owned(),
            dir,
            next_leg: 0,
            legs: BTreeMap::new(),
            pending: BTreeMap::new(),
            sessions: BTreeMap::new(),
            done: Vec::new(),
        }
    }

    /// Takes one element event reported by `node` at `at`.
    pub fn event(&mut self, at: Instant, node: &str, ev: &Event) {
        let line = ev.call.and_then(|c| c.checked_sub(LINE_EVENT_BASE)).and_then(|i| u32::try_from(i).ok());
        match (&ev.kind, line) {
            (EventKind::CallAttempt { from, to }, Some(li)) => {
                self.remember(node, Attempt { from: from.clone(), to: to.clone(), cic: None });
                let key = (node.to_owned(), li);
                if let Some(old) = self.legs.remove(&key) {
                    self.close(old, at, None);
                }
                self.open(at, node, li, Direction::Originating, from.clone(), to.clone(), None);
            }
            (EventKind::CallAttempt { from, to }, None) => {
                let cic = ev.call.and_then(|c| u16::try_from(c).ok());
                self.remember(node, Attempt { from: from.clone(), to: to.clone(), cic });
            }
            (EventKind::Alerting | EventKind::Answered, Some(li)) => {
                let key = (node.to_owned(), li);
                if !self.legs.contains_key(&key) {
                    let number = self.dir.number(node, li);
                    let a = self.take_attempt(node, &number);
                    let (from, cic) = a.map_or((String::new(), None), |a| (a.from, a.cic));
                    self.open(at, node, li, Direction::Terminating, from, number, cic);
                }
                if let Some(l) = self.legs.get_mut(&key) {
                    let slot = if ev.kind == EventKind::Alerting {
                        &mut l.cdr.alerting_us
                    } else {
                        &mut l.cdr.answered_us
                    };
                    slot.get_or_insert(at.micros());
                }
            }
            (EventKind::Released { cause }, Some(li)) => {
                if let Some(l) = self.legs.remove(&(node.to_owned(), li)) {
                    self.close(l, at, Some(*cause));
                }
            }
            _ => {}
        }
    }

    /// Takes one OSN message that went from `from` to `to` at `at`.
    pub fn osn(&mut self, at: Instant, from: &str, to: &str, msg: &OsnMessage) {
        match msg {
            OsnMessage::CallSetup { call_id, business, customer, representative, .. } => {
                let key = (to.to_owned(), *call_id);
                if self.sessions.contains_key(&key) {
                    return;
                }
                let cdr = SessionCdr {
                    run: self.run.clone(),
                    call_id: *call_id,
                    controller: to.to_owned(),
                    business: business.clone(),
                    customer: customer.clone(),
                    representative: representative.clone(),
                    requested_us: at.micros(),
                    customer_answered_us: None,
                    connected_us: None,
                    ended_us: None,
                    billable_ms: 0,
                    bridged_ms: 0,
                    duration_ms: 0,
                    outcome: SessionOutcome::Unfinished,
                    reason: None,
                    cause: None,
                    legs: Vec::new(),
                };
                self.sessions.insert(
                    key,
                    OpenSession { cdr, legs: Vec::new(), ended: false, calling: false, unreached: None },
                );
            }
            OsnMessage::CallStatus { call_id, status } => {
                let key = (from.to_owned(), *call_id);
                let Some(s) = self.sessions.get_mut(&key) else { return };
                if s.ended {
                    return;
                }
                let t = at.micros();
                match status {
                    CallStatus::CallingCustomer => s.calling = true,
                    CallStatus::CustomerAnswered => {
                        s.cdr.customer_answered_us.get_or_insert(t);
                    }
                    CallStatus::Connected => {
                        s.cdr.connected_us.get_or_insert(t);
                    }
                    CallStatus::CustomerUnavailable { cause, .. }
                    | CallStatus::RepresentativeUnavailable { cause, .. } => {
                        s.unreached = Some(if cause == "busy" { 17 } else { 19 });
                    }
                    CallStatus::Released | CallStatus::Failed { .. } => {
                        s.ended = true;
                        s.cdr.ended_us = Some(t);
                        if let CallStatus::Failed { reason } = status {
                            s.cdr.reason = Some(reason.clone());
                        }
                        self.try_finish_session(&key);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// Takes one OSN frame (length prefix and JSON) that went from `from` to `to`.
    ///
    /// # Errors
    /// The frame is not an OSN message; nothing is recorded.
    pub fn osn_frame(&mut self, at: Instant, from: &str, to: &str, frame: &[u8]) -> Result<(), OsnError> {
        let msg = OsnMessage::parse(frame)?;
        self.osn(at, from, to, &msg);
        Ok(())
    }

    /// The records finished since the last call, in the order they finished.
    pub fn take(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.done)
    }

    /// Closes every leg and session still open (as unfinished, with no
    /// release time) and returns every record not yet taken.
    pub fn finish(&mut self) -> Vec<Record> {
        for (_, l) in std::mem::take(&mut self.legs) {
            self.close(l, Instant::ZERO, None);
        }
        let keys: Vec<(String, u64)> = self.sessions.keys().cloned().collect();
        for k in keys {
            if let Some(s) = self.sessions.get_mut(&k) {
                s.legs.iter_mut().for_each(|l| l.closed = true);
            }
            self.try_finish_session(&k);
            if let Some(s) = self.sessions.remove(&k) {
                self.done.push(Record::Session(finish_session(s)));
            }
        }
        self.take()
    }

    /// Legs and sessions still open.
    pub fn open_counts(&self) -> (usize, usize) {
        (self.legs.len(), self.sessions.len())
    }

    fn remember(&mut self, node: &str, a: Attempt) {
        let q = self.pending.entry(node.to_owned()).or_default();
        if q.len() >= MAX_PENDING {
            q.pop_front();
        }
        q.push_back(a);
    }

    /// The latest attempt at `node` for `number`, removed.
    fn take_attempt(&mut self, node: &str, number: &str) -> Option<Attempt> {
        let q = self.pending.get_mut(node)?;
        let i = q.iter().rposition(|a| a.to == number)?;
        q.remove(i)
    }

    #[allow(clippy::too_many_arguments)]
    fn open(
        &mut self,
        at: Instant,
        node: &str,
        li: u32,
        direction: Direction,
        from: String,
        to: String,
        cic: Option<u16>,
    ) {
        self.next_leg += 1;
        let line = self.dir.number(node, li);
        let id = format!("leg-{}", self.next_leg);
        let mut cdr = LegCdr {
            run: self.run.clone(),
            id: id.clone(),
            switch: node.to_owned(),
            line: line.clone(),
            direction,
            from,
            to,
            cic,
            business: None,
            session: None,
            started_us: at.micros(),
            alerting_us: None,
            answered_us: None,
            released_us: None,
            talk_ms: 0,
            duration_ms: 0,
            outcome: Outcome::Unfinished,
            cause: None,
        };
        // The first new leg on a session's customer or representative line is the session's.
        let claim = self.sessions.iter_mut().find_map(|(k, s)| {
            if s.ended {
                return None;
            }
            let has = |customer: bool| s.legs.iter().any(|l| l.customer == customer);
            let customer = if line == s.cdr.customer && !has(true) {
                true
            } else if line == s.cdr.representative && !has(false) {
                false
            } else {
                return None;
            };
            s.legs.push(SessionLeg { id: id.clone(), customer, closed: false, cause: None });
            Some((k.clone(), s.cdr.business.clone()))
        });
        let session = claim.map(|(k, business)| {
            cdr.business = Some(business);
            cdr.session = Some(k.1);
            k
        });
        self.legs.insert((node.to_owned(), li), OpenLeg { cdr, session });
    }

    fn close(&mut self, l: OpenLeg, at: Instant, cause: Option<u8>) {
        let mut cdr = l.cdr;
        if cause.is_some() {
            let end = at.micros();
            cdr.released_us = Some(end);
            cdr.duration_ms = end.saturating_sub(cdr.started_us) / 1000;
            cdr.talk_ms = cdr.answered_us.map_or(0, |a| end.saturating_sub(a) / 1000);
        }
        cdr.cause = cause;
        cdr.outcome = Outcome::of(cdr.answered_us.is_some(), cause);
        if let Some(key) = &l.session {
            if let Some(s) = self.sessions.get_mut(key) {
                if let Some(sl) = s.legs.iter_mut().find(|x| x.id == cdr.id) {
                    sl.closed = true;
                    sl.cause = cause;
                }
            }
        }
        self.done.push(Record::Leg(cdr));
        if let Some(key) = l.session {
            self.try_finish_session(&key);
        }
    }

    fn try_finish_session(&mut self, key: &(String, u64)) {
        let ready = self.sessions.get(key).is_some_and(|s| s.ended && s.legs.iter().all(|l| l.closed));
        if ready {
            if let Some(s) = self.sessions.remove(key) {
                self.done.push(Record::Session(finish_session(s)));
            }
        }
    }
}

fn finish_session(s: OpenSession) -> SessionCdr {
    let mut c = s.cdr;
    let mut legs: Vec<&SessionLeg> = s.legs.iter().collect();
    legs.sort_by_key(|l| !l.customer);
    c.legs = legs.iter().map(|l| l.id.clone()).collect();
    // The first abnormal cause among the legs says why it ended; else a normal one.
    let causes: Vec<u8> = legs.iter().filter_map(|l| l.cause).collect();
    // A party reported unreachable (busy, no answer) explains a session whose
    // legs ended normally (the customer released after the apology).
    c.cause = causes.iter().copied().find(|&x| x != 16).or(s.unreached).or_else(|| causes.first().copied());
    if let Some(end) = c.ended_us {
        c.duration_ms = end.saturating_sub(c.requested_us) / 1000;
        c.billable_ms = c.customer_answered_us.map_or(0, |a| end.saturating_sub(a) / 1000);
        c.bridged_ms = c.connected_us.map_or(0, |a| end.saturating_sub(a) / 1000);
        c.outcome = if c.connected_us.is_some() {
            SessionOutcome::Connected
        } else if c.customer_answered_us.is_some() {
            SessionOutcome::RepresentativeNotReached
        } else if s.calling || !s.legs.is_empty() {
            SessionOutcome::CustomerNotReached
        } else {
            SessionOutcome::Failed
        };
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(i: u32) -> Option<u64> {
        Some(LINE_EVENT_BASE + u64::from(i))
    }

    fn ev(call: Option<u64>, kind: EventKind) -> Event {
        Event { call, kind }
    }

    fn dir() -> Directory {
        let mut d = Directory::new();
        d.insert("SSP-A", 0, "2015550100");
        d.insert("SSP-B", 0, "2125550142");
        d
    }

    #[test]
    fn a_trunk_call_gives_an_originating_and_a_terminating_leg() {
        let mut b = Billing::new("r1", dir());
        let s = |x: u64| Instant(x * 1_000_000);
        let attempt = EventKind::CallAttempt { from: "2015550100".into(), to: "2125550142".into() };
        b.event(s(1), "SSP-A", &ev(line(0), attempt.clone()));
        b.event(s(1), "SSP-B", &ev(Some(7), attempt));
        b.event(s(1), "SSP-B", &ev(line(0), EventKind::Alerting));
        b.event(s(1), "SSP-A", &ev(line(0), EventKind::Alerting));
        b.event(s(5), "SSP-B", &ev(line(0), EventKind::Answered));
        b.event(s(5), "SSP-A", &ev(line(0), EventKind::Answered));
        b.event(s(10), "SSP-A", &ev(line(0), EventKind::Released { cause: 16 }));
        b.event(s(10), "SSP-B", &ev(line(0), EventKind::Released { cause: 16 }));
        let recs = b.take();
        let [Record::Leg(a), Record::Leg(t)] = recs.as_slice() else { panic!("{recs:?}") };
        assert_eq!(
            (a.direction, a.talk_ms, a.duration_ms, a.outcome),
            (Direction::Originating, 5000, 9000, Outcome::Answered)
        );
        assert_eq!(
            (t.direction, t.from.as_str(), t.line.as_str(), t.cic),
            (Direction::Terminating, "2015550100", "2125550142", Some(7))
        );
        assert_eq!(b.open_counts(), (0, 0));
    }

    #[test]
    fn stray_and_unknown_inputs_are_ignored_and_open_legs_finish_unfinished() {
        let mut b = Billing::new("r", Directory::new());
        b.event(Instant(1), "X", &ev(line(3), EventKind::Released { cause: 16 }));
        b.event(Instant(1), "X", &ev(Some(u64::MAX), EventKind::Answered));
        assert!(b.osn_frame(Instant(1), "A", "B", b"\0\0\0\x02{}").is_err());
        b.osn(
            Instant(1),
            "ISCP",
            "ACCESS",
            &OsnMessage::CallStatus { call_id: 9, status: CallStatus::Released },
        );
        assert!(b.take().is_empty());
        b.event(Instant(2), "X", &ev(line(3), EventKind::Alerting));
        let recs = b.finish();
        let [Record::Leg(l)] = recs.as_slice() else { panic!("{recs:?}") };
        assert_eq!((l.line.as_str(), l.outcome, l.released_us), ("line 3", Outcome::Unfinished, None));
    }
}
