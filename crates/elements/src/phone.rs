//! A subscriber's phone: one line port ([`Phone::LINE`]) carrying
//! [`LineSignal`] frames to and from its switch, driven by a [`PhoneScript`].
//!
//! When called it answers after a delay, is busy (its handset is off the
//! hook from the start), does not answer, or rejects the call (goes on-hook
//! while ringing, which the emulated line reports as a rejection); after
//! answering it hangs up after a holding time. It places calls at given
//! times: off-hook, wait for dial tone, dial, then hang up after the holding
//! time, when the far end releases, when it hears busy/congestion/SIT (after
//! [`LISTEN`]), or when it gives up waiting for an answer. It records every
//! frame it heard and sent ([`Phone::log`]) unless built [`Phone::unlogged`]
//! (a run of millions of calls, where the log would grow by ~11 entries a
//! call and nobody reads it). A mobile phone is the same element behind the
//! MTSO.
//!
//! **DTMF after answer.** A number to call may go on with post-dial DTMF,
//! as a phone's stored number does: `2125550142,123#` dials 2125550142,
//! and once the call is answered waits one pause ([`PAUSE`] per comma) and
//! keys `123#`; `2125550142,12,,34` keys `12` after one pause and `34` two
//! pauses later. The switch carries the digits to the far party in band;
//! DTMF the far party keys arrives as [`LineSignal::Digits`] and is in
//! [`Phone::dtmf_heard`].
//!
//! Contract: never panics on input; a frame that does not parse is logged as
//! `Event::Dropped` with its hex and otherwise ignored.

use std::time::Duration;

use crate::core::{Element, EventKind, Input, Instant, Outputs, Port, TimerId};
use crate::line::{LineSignal, Tone};
use crate::ssp::config::{humane, humane_opt};

/// How long a caller listens to busy, congestion or SIT before hanging up.
pub const LISTEN: Duration = Duration::from_secs(1);

/// What one comma of a number's post-dial DTMF waits.
pub const PAUSE: Duration = Duration::from_secs(1);

/// The digits dialled and the post-dial DTMF of a number to call
/// (`2125550142,,12#` → `2125550142` and `[(2 pauses, "12#")]`).
pub fn post_dial(to: &str) -> (&str, Vec<(Duration, &str)>) {
    let (dial, mut rest) = to.split_once(',').map_or((to, ""), |(d, r)| (d, r));
    let mut groups = Vec::new();
    let mut pauses = 1u32;
    while !rest.is_empty() {
        let end = rest.find(',').unwrap_or(rest.len());
        let (digits, tail) = rest.split_at(end);
        if digits.is_empty() {
            pauses += 1;
        } else {
            groups.push((PAUSE * pauses, digits));
            pauses = 1;
        }
        rest = tail.strip_prefix(',').unwrap_or(tail);
    }
    (dial, groups)
}

/// What the phone does when it rings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "do")]
pub enum WhenCalled {
    /// Lift the handset after `after`.
    Answer {
        #[serde(with = "humane")]
        after: Duration,
    },
    /// The handset is off the hook all along: the switch reports busy.
    Busy,
    /// Let it ring.
    NoAnswer,
    /// Refuse the call (on-hook while ringing: the switch releases with cause 21).
    Reject,
    /// Refuse the call with a cause, as a line bridged to real gear does
    /// when its far end is busy (17), does not answer (19) or has no dial
    /// tone (41): [`LineSignal::Refuse`].
    Refuse { cause: u8 },
}

impl Default for WhenCalled {
    fn default() -> Self {
        WhenCalled::Answer { after: Duration::from_secs(2) }
    }
}

/// A call the phone places.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacedCall {
    /// When to lift the handset, from the phone's start.
    #[serde(with = "humane")]
    pub at: Duration,
    /// The digits to dial, then optional post-dial DTMF after commas
    /// (`2125550142,123#`: see the module's doc).
    pub to: String,
    /// Hang up this long after the far end answers (none: wait for the far end).
    #[serde(default, with = "humane_opt", skip_serializing_if = "Option::is_none")]
    pub holding: Option<Duration>,
    /// Hang up if not answered this long after lifting the handset.
    #[serde(default, with = "humane_opt", skip_serializing_if = "Option::is_none")]
    pub give_up_after: Option<Duration>,
}

/// A phone's behaviour.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneScript {
    /// The phone's number (its name in traces).
    pub number: String,
    #[serde(default)]
    pub when_called: WhenCalled,
    /// After answering a call, hang up after this long (none: wait for the far end).
    #[serde(default, with = "humane_opt", skip_serializing_if = "Option::is_none")]
    pub holding: Option<Duration>,
    #[serde(default)]
    pub calls: Vec<PlacedCall>,
}

impl PhoneScript {
    /// A phone that answers after 2 s and places no calls.
    pub fn new(number: &str) -> Self {
        PhoneScript {
            number: number.into(),
            when_called: WhenCalled::default(),
            holding: None,
            calls: vec![],
        }
    }
}

/// One line frame the phone heard (`sent == false`) or sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub at: Instant,
    pub sent: bool,
    pub signal: LineSignal,
}

/// In `Dialling` and `Calling`, the index of the call's [`Dial`] in `Phone::dials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    OnHook,
    Ringing,
    Dialling(u32),
    Calling(u32),
    Talking,
    /// Off-hook, hearing a failure tone.
    Failed,
    /// Off-hook for good (`WhenCalled::Busy`).
    Busy,
}

/// The kind of a line signal heard, as [`Phone::on_signal`] acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Heard {
    Ring,
    StopRing,
    DialTone,
    /// Busy, congestion or SIT.
    Failure,
    Connected,
    Digits,
    FarEndReleased,
    Other,
}

/// Log entries a placed call adds at most when all goes well (off-hook, dial
/// tone, digits, ringback, connected, on-hook): the log is sized for the
/// script's calls at start instead of growing by copies as they happen.
const LOG_PER_CALL: usize = 6;

const ANSWER: u64 = 1;
const HANGUP: u64 = 2;
const GIVE_UP: u64 = 3;
const DTMF: u64 = 4;
const CALL_BASE: u64 = 16;

/// What a placed call needs once its timer fired, from its [`PlacedCall`]:
/// the number split as [`post_dial`] splits it, and its two durations.
/// Calls that dial the same with the same durations share one (a script
/// calling one number 200 times keeps one `Dial`, not 200 copies of the
/// number, each its own cold allocation read once per call).
#[derive(Debug, PartialEq, Eq)]
struct Dial {
    digits: String,
    dtmf: Vec<(Duration, String)>,
    holding: Option<Duration>,
    give_up_after: Option<Duration>,
}

/// A scripted phone.
///
/// Laid out by hand, one cache line first: in a run of many phones each
/// event finds its phone cold, and what a placed call's events read (state,
/// armed timers, the dial index) then costs one miss instead of one per
/// line the compiler's order spread them over.
#[derive(Debug)]
#[repr(C, align(64))]
pub struct Phone {
    state: St,
    /// Post-dial DTMF of the call in progress: (its dial, next group).
    dtmf: Option<(u32, u32)>,
    /// Bit `t` set: timer `t` (`ANSWER`, `HANGUP`, `GIVE_UP`) may be armed.
    /// A cancel is sent only for these: a hang-up no longer asks the
    /// runtime to cancel three timers of which mostly none is set (each a
    /// lookup in a cold timer table). A bit may stay set after the runtime
    /// forgot the timer (a crash): that costs one needless cancel, as before.
    armed: u8,
    /// Whether frames go into `log` (see [`Phone::unlogged`]).
    logging: bool,
    /// How many calls the script places (`starts.len()`).
    calls: u32,
    dials: Box<[Dial]>,
    /// Each scripted call's entry in `dials`.
    /// Empty when every call dials `dials[0]` (a script calling one
    /// number): a call then reads no entry of its own, which in a run of
    /// many phones is a cache miss per call.
    dial_of: Box<[u32]>,
    /// The script without its calls (`script.calls` is empty: they are
    /// `starts` and `dial_of`).
    script: PhoneScript,
    /// When each scripted call starts (read once, at start).
    starts: Box<[Duration]>,
    log: Vec<Seen>,
}

const _: () = assert!(std::mem::offset_of!(Phone, script) == 64, "a placed call's fields in one line");

impl Phone {
    /// The phone's only port: its line.
    pub const LINE: Port = Port(0);

    /// A phone following `script`.
    pub fn new(mut script: PhoneScript) -> Self {
        let calls = std::mem::take(&mut script.calls);
        let starts: Box<[Duration]> = calls.iter().map(|c| c.at).collect();
        let mut dials: Vec<Dial> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let dial_of = calls
            .iter()
            .map(|c| {
                let key = (c.to.as_str(), c.holding, c.give_up_after);
                *index.entry(key).or_insert_with(|| {
                    let (digits, groups) = post_dial(&c.to);
                    dials.push(Dial {
                        digits: digits.to_owned(),
                        dtmf: groups.into_iter().map(|(wait, d)| (wait, d.to_owned())).collect(),
                        holding: c.holding,
                        give_up_after: c.give_up_after,
                    });
                    u32::try_from(dials.len() - 1).unwrap_or(u32::MAX)
                })
            })
            .collect();
        Phone {
            calls: u32::try_from(starts.len()).unwrap_or(u32::MAX),
            script,
            starts,
            dial_of: if dials.len() == 1 { Box::default() } else { dial_of },
            dials: dials.into_boxed_slice(),
            state: St::OnHook,
            log: Vec::new(),
            dtmf: None,
            armed: 0,
            logging: true,
        }
    }

    /// A phone following `script` that keeps no [`log`](Phone::log): its
    /// log, [`heard`](Phone::heard), [`dtmf_heard`](Phone::dtmf_heard) and
    /// [`saw`](Phone::saw) stay empty, and it behaves otherwise the same.
    /// For runs of many calls (`ainsim bench`): a logging phone writes ~11
    /// entries a call to memory it never touched before, which is most of
    /// its time there, and holds them to the end of the run.
    pub fn unlogged(script: PhoneScript) -> Self {
        Phone { logging: false, ..Phone::new(script) }
    }

    fn record(&mut self, now: Instant, sent: bool, signal: LineSignal) {
        if self.logging {
            self.log.push(Seen { at: now, sent, signal });
        }
    }

    /// The entry in `dials` of scripted call `c`, if there is such a call.
    fn dial_of_call(&self, c: u64) -> Option<u32> {
        let c = usize::try_from(c).ok()?;
        if self.dial_of.is_empty() {
            (c < self.calls as usize).then_some(0)
        } else {
            self.dial_of.get(c).copied()
        }
    }

    fn dial(&self, d: u32) -> Option<&Dial> {
        self.dials.get(d as usize)
    }

    /// Every frame heard and sent, in order.
    pub fn log(&self) -> &[Seen] {
        &self.log
    }

    /// The texts heard (announcements, the far party's words).
    pub fn heard(&self) -> Vec<&str> {
        self.log
            .iter()
            .filter_map(|s| match &s.signal {
                LineSignal::Hear(t) if !s.sent => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The DTMF digits the far party keyed during calls, in order.
    pub fn dtmf_heard(&self) -> String {
        self.log
            .iter()
            .filter_map(|s| match &s.signal {
                LineSignal::Digits(d) if !s.sent => Some(d.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Whether the phone heard `sig`.
    pub fn saw(&self, sig: &LineSignal) -> bool {
        self.log.iter().any(|s| !s.sent && &s.signal == sig)
    }

    fn send(&mut self, now: Instant, sig: LineSignal, out: &mut Outputs) {
        let _ = out.send_written(Self::LINE, |buf| sig.emit(buf));
        self.record(now, true, sig);
    }

    /// Sets timer `t` (`ANSWER`, `HANGUP` or `GIVE_UP`) and remembers it.
    fn arm(&mut self, t: u64, at: Instant, out: &mut Outputs) {
        self.armed |= 1 << t;
        out.set_timer(TimerId(t), at);
    }

    /// Cancels timer `t` if it may be armed (a cancel of a timer that is not
    /// set does nothing, so skipping it changes nothing).
    fn disarm(&mut self, t: u64, out: &mut Outputs) {
        if self.armed & 1 << t != 0 {
            self.armed &= !(1 << t);
            out.cancel_timer(TimerId(t));
        }
    }

    fn hang_up(&mut self, now: Instant, out: &mut Outputs) {
        for t in [ANSWER, HANGUP, GIVE_UP] {
            self.disarm(t, out);
        }
        // The DTMF timer runs only while post-dial digits wait: no extra
        // cancel on the hang-up of an ordinary call.
        if self.dtmf.take().is_some() {
            out.cancel_timer(TimerId(DTMF));
        }
        self.state = St::OnHook;
        self.send(now, LineSignal::OnHook, out);
    }

    fn on_signal(&mut self, now: Instant, sig: LineSignal, out: &mut Outputs) {
        // What was heard, taken before the signal moves into the log (no clone
        // of its caller ID or digits).
        let heard = match &sig {
            LineSignal::Ring { .. } => Heard::Ring,
            LineSignal::StopRing => Heard::StopRing,
            LineSignal::Tone(Tone::Dial) => Heard::DialTone,
            LineSignal::Tone(Tone::Busy | Tone::Congestion | Tone::Sit) => Heard::Failure,
            LineSignal::Connected => Heard::Connected,
            LineSignal::Digits(_) => Heard::Digits,
            LineSignal::FarEndReleased => Heard::FarEndReleased,
            _ => Heard::Other,
        };
        // The DTMF note is made before the signal moves into the log (an
        // unlogged phone has no log to read it back from).
        let dtmf_note = match (&sig, self.state) {
            (LineSignal::Digits(d), St::Talking | St::Calling(_)) => {
                Some(format!("{}: hears dtmf {d}", self.script.number))
            }
            _ => None,
        };
        self.record(now, false, sig);
        match (heard, self.state) {
            (Heard::Ring, St::OnHook) => {
                self.state = St::Ringing;
                out.event(None, EventKind::Alerting);
                match self.script.when_called {
                    WhenCalled::Answer { after } => self.arm(ANSWER, now.after(after), out),
                    WhenCalled::Reject => self.hang_up(now, out),
                    WhenCalled::Refuse { cause } => {
                        self.state = St::OnHook;
                        self.send(now, LineSignal::Refuse(cause), out);
                    }
                    WhenCalled::NoAnswer | WhenCalled::Busy => {}
                }
            }
            (Heard::StopRing, St::Ringing) => {
                self.disarm(ANSWER, out);
                self.state = St::OnHook;
            }
            (Heard::DialTone, St::Dialling(i)) => {
                self.state = St::Calling(i);
                // Written from the dial; its digits are copied only into a log.
                let to = self.dial(i).map_or("", |d| d.digits.as_str());
                let _ = out.send_written(Self::LINE, |buf| LineSignal::emit_digits(to, buf));
                let logged = self.logging.then(|| LineSignal::Digits(to.to_owned()));
                if let Some(sig) = logged {
                    self.record(now, true, sig);
                }
            }
            (Heard::Failure, St::Dialling(_) | St::Calling(_)) => {
                self.state = St::Failed;
                self.disarm(GIVE_UP, out);
                self.arm(HANGUP, now.after(LISTEN), out);
            }
            (Heard::Connected, St::Calling(i)) => {
                self.state = St::Talking;
                out.event(None, EventKind::Answered);
                self.disarm(GIVE_UP, out);
                if let Some(h) = self.dial(i).and_then(|d| d.holding) {
                    self.arm(HANGUP, now.after(h), out);
                }
                self.next_dtmf(now, i, 0, out);
            }
            (Heard::Digits, St::Talking | St::Calling(_)) => {
                if let Some(note) = dtmf_note {
                    out.event(None, EventKind::Note(note));
                }
            }
            (Heard::FarEndReleased, St::Talking | St::Calling(_) | St::Dialling(_)) => self.hang_up(now, out),
            _ => {}
        }
    }

    /// Arms the timer of group `k` of dial `i`'s post-dial DTMF, if it has one.
    fn next_dtmf(&mut self, now: Instant, i: u32, k: u32, out: &mut Outputs) {
        self.dtmf = None;
        let Some(d) = self.dial(i) else { return };
        if let Some(&(wait, _)) = d.dtmf.get(k as usize) {
            self.dtmf = Some((i, k));
            out.set_timer(TimerId(DTMF), now.after(wait));
        }
    }

    fn on_timer(&mut self, now: Instant, id: TimerId, out: &mut Outputs) {
        // A timer that fired is no longer set.
        if id.0 < 8 {
            self.armed &= !(1 << id.0);
        }
        match (id.0, self.state) {
            (DTMF, St::Talking) => {
                let Some((i, k)) = self.dtmf else { return };
                let digits = self.dial(i).and_then(|d| d.dtmf.get(k as usize).map(|g| g.1.clone()));
                if let Some(d) = digits {
                    self.send(now, LineSignal::Digits(d), out);
                }
                self.next_dtmf(now, i, k + 1, out);
            }
            (ANSWER, St::Ringing) => {
                self.state = St::Talking;
                self.send(now, LineSignal::OffHook, out);
                if let Some(h) = self.script.holding {
                    self.arm(HANGUP, now.after(h), out);
                }
            }
            (HANGUP, St::Talking | St::Failed) | (GIVE_UP, St::Dialling(_) | St::Calling(_)) => {
                self.hang_up(now, out);
            }
            (n, St::OnHook) if n >= CALL_BASE => {
                let Some(i) = self.dial_of_call(n - CALL_BASE) else {
                    return;
                };
                if let Some(g) = self.dial(i).and_then(|d| d.give_up_after) {
                    self.arm(GIVE_UP, now.after(g), out);
                }
                self.state = St::Dialling(i);
                self.send(now, LineSignal::OffHook, out);
            }
            (n, _) if n >= CALL_BASE => {
                out.event(
                    None,
                    EventKind::Note(format!(
                        "{}: busy, call {} not placed",
                        self.script.number,
                        n - CALL_BASE
                    )),
                );
            }
            _ => {}
        }
    }
}

impl Element for Phone {
    fn name(&self) -> &str {
        &self.script.number
    }

    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
        match input {
            Input::Start => {
                self.state = St::OnHook;
                if self.logging {
                    self.log.reserve(self.starts.len().saturating_mul(LOG_PER_CALL));
                }
                for (i, at) in self.starts.iter().enumerate() {
                    out.set_timer(TimerId(CALL_BASE + i as u64), now.after(*at));
                }
                if self.script.when_called == WhenCalled::Busy {
                    self.state = St::Busy;
                    self.send(now, LineSignal::OffHook, out);
                }
            }
            Input::Recv { bytes, .. } => match LineSignal::parse(bytes) {
                Ok(sig) => self.on_signal(now, sig, out),
                Err(e) => out.event(
                    None,
                    EventKind::Dropped {
                        reason: format!("{}: {e}", self.script.number),
                        hex: bytes.iter().map(|b| format!("{b:02x}")).collect(),
                    },
                ),
            },
            Input::LinkState { .. } => {}
            Input::Timer(id) => self.on_timer(now, id, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_reads_from_json_in_humane_units() {
        let s: PhoneScript = serde_json::from_str(
            r#"{"number": "2015550100", "when_called": {"do": "answer", "after": "3s"}, "holding": "1min",
                "calls": [{"at": "10s", "to": "2125550142", "holding": "30s"}]}"#,
        )
        .unwrap();
        assert_eq!(s.when_called, WhenCalled::Answer { after: Duration::from_secs(3) });
        assert_eq!(s.holding, Some(Duration::from_secs(60)));
        assert_eq!(s.calls[0].holding, Some(Duration::from_secs(30)));
        assert_eq!(s.calls[0].give_up_after, None);
        let back: PhoneScript = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn post_dial_dtmf_splits_at_commas() {
        assert_eq!(post_dial("2125550142"), ("2125550142", vec![]));
        assert_eq!(post_dial("2125550142,123#"), ("2125550142", vec![(PAUSE, "123#")]));
        assert_eq!(
            post_dial("1,,12,34,"),
            ("1", vec![(PAUSE * 2, "12"), (PAUSE, "34")]),
            "a trailing comma waits for nothing"
        );
    }

    /// The digits a phone sends after dial tone for the scripted call whose timer fired.
    fn dialled(p: &mut Phone, call: u64) -> String {
        let mut out = Outputs::new();
        p.handle(Instant(1), Input::Timer(TimerId(CALL_BASE + call)), &mut out);
        let mut tone = Vec::new();
        LineSignal::Tone(Tone::Dial).emit(&mut tone).unwrap();
        p.handle(Instant(2), Input::Recv { port: Phone::LINE, bytes: &tone }, &mut out);
        let mut rel = Vec::new();
        LineSignal::FarEndReleased.emit(&mut rel).unwrap();
        p.handle(Instant(3), Input::Recv { port: Phone::LINE, bytes: &rel }, &mut out);
        let digits = out.drain().find_map(|o| match o {
            crate::Output::Send { bytes, .. } => match LineSignal::parse(&bytes) {
                Ok(LineSignal::Digits(d)) => Some(d),
                _ => None,
            },
            _ => None,
        });
        digits.unwrap_or_default()
    }

    #[test]
    fn calls_sharing_a_number_dial_their_own() {
        let call = |to: &str, holding: Option<u64>| PlacedCall {
            at: Duration::from_secs(1),
            to: to.into(),
            holding: holding.map(Duration::from_secs),
            give_up_after: None,
        };
        let mut s = PhoneScript::new("1");
        s.calls = vec![call("22,5", None), call("33", Some(1)), call("22,5", None), call("22,5", Some(2))];
        let mut p = Phone::new(s);
        assert_eq!(p.dials.len(), 3, "equal calls share one dial: {:?}", p.dials);
        p.handle(Instant::ZERO, Input::Start, &mut Outputs::new());
        assert_eq!([0, 1, 2, 3].map(|c| dialled(&mut p, c)), ["22", "33", "22", "22"].map(String::from));
        assert_eq!(p.dials[0].dtmf, vec![(PAUSE, "5".to_owned())]);
        let mut out = Outputs::new();
        p.handle(Instant(9), Input::Timer(TimerId(CALL_BASE + 4)), &mut out);
        assert!(out.is_empty(), "no call 4: nothing happens");
    }

    #[test]
    fn calls_all_to_one_number_keep_no_index() {
        let mut s = PhoneScript::new("1");
        s.calls = (0..2)
            .map(|k| PlacedCall {
                at: Duration::from_secs(k),
                to: "44".into(),
                holding: None,
                give_up_after: None,
            })
            .collect();
        let mut p = Phone::new(s);
        assert!(p.dial_of.is_empty() && p.dials.len() == 1);
        p.handle(Instant::ZERO, Input::Start, &mut Outputs::new());
        assert_eq!([0, 1].map(|c| dialled(&mut p, c)), ["44", "44"].map(String::from));
        let mut out = Outputs::new();
        p.handle(Instant(9), Input::Timer(TimerId(CALL_BASE + 2)), &mut out);
        assert!(out.is_empty(), "no call 2: nothing happens");
    }

    /// Drives a logged and an unlogged phone through the same call (placed,
    /// answered, DTMF both ways, released by the far end): the same outputs,
    /// and only the logged one has a log.
    #[test]
    fn an_unlogged_phone_behaves_as_a_logged_one() {
        let mut s = PhoneScript::new("1");
        s.calls = vec![PlacedCall {
            at: Duration::from_secs(1),
            to: "22,5".into(),
            holding: Some(Duration::from_secs(9)),
            give_up_after: Some(Duration::from_secs(30)),
        }];
        let frame = |sig: LineSignal| {
            let mut b = Vec::new();
            sig.emit(&mut b).unwrap();
            b
        };
        let script: Vec<(u64, Result<Vec<u8>, TimerId>)> = vec![
            (0, Err(TimerId(u64::MAX))),
            (1, Err(TimerId(CALL_BASE))),
            (2, Ok(frame(LineSignal::Tone(Tone::Dial)))),
            (3, Ok(frame(LineSignal::Connected))),
            (4, Ok(frame(LineSignal::Digits("77".into())))),
            (5, Err(TimerId(DTMF))),
            (6, Ok(frame(LineSignal::FarEndReleased))),
        ];
        let run = |mut p: Phone| {
            let mut seen = Vec::new();
            for (t, input) in &script {
                let mut out = Outputs::new();
                let input = match input {
                    Err(TimerId(u64::MAX)) => Input::Start,
                    Err(id) => Input::Timer(*id),
                    Ok(b) => Input::Recv { port: Phone::LINE, bytes: b },
                };
                p.handle(Instant(*t), input, &mut out);
                seen.extend(out.drain().map(|o| format!("{o:?}")));
            }
            (seen, p)
        };
        let (logged_out, logged) = run(Phone::new(s.clone()));
        let (unlogged_out, unlogged) = run(Phone::unlogged(s));
        assert_eq!(logged_out, unlogged_out);
        assert!(logged_out.iter().any(|o| o.contains("hears dtmf 77")), "{logged_out:?}");
        assert!(logged_out.iter().any(|o| o.contains("Send")), "{logged_out:?}");
        assert_eq!(logged.dtmf_heard(), "77");
        assert_eq!(logged.log().len(), 8, "{:?}", logged.log());
        assert!(unlogged.log().is_empty() && unlogged.dtmf_heard().is_empty());
    }

    #[test]
    fn a_bad_frame_is_logged_not_fatal() {
        let mut p = Phone::new(PhoneScript::new("1"));
        let mut out = Outputs::new();
        p.handle(Instant::ZERO, Input::Recv { port: Phone::LINE, bytes: &[0xff, 1] }, &mut out);
        assert!(
            matches!(&out.as_slice()[0], crate::Output::Event(e) if matches!(e.kind, EventKind::Dropped { .. }))
        );
    }
}
