//! Line hooks for a switch whose subscribers are not always at the end of
//! their line: the MTSO ([`Mtso`](crate::mtso::Mtso)) wraps an [`Ssp`] and
//! drives these per line, by directory number, at run time.
//!
//! - [`Ssp::set_in_service`]: a line out of service refuses calls with cause
//!   20 (subscriber absent) without ringing (a mobile switched off).
//! - [`Ssp::set_deferred_alerting`]: the switch still sends `Ring` to the
//!   line (the MTSO takes it as a page request) but holds the ACM until
//!   [`Ssp::line_alerting`] (page response) or [`Ssp::release_line`] (no
//!   page response: cause 20). The post-dial delay so includes paging.
//! - [`Ssp::set_forward`]: calls to the line go on to another number (a
//!   roaming mobile's MSRN) over the numbering plan, in an IAM carrying the
//!   redirection information (Q.763 §3.45, §3.44, §3.39).
//!
//! What it is not: call forwarding as a supplementary service (busy, no
//! reply) — that is the ISCP's — nor any radio procedure; the MTSO models
//! those.

use ainsim_wire::isup::{self, Number, Parameter as P, RedirectionInformation};

use super::{cause, Leg, Setup, Sig, Ssp};
use crate::core::{EventKind, Instant, Outputs};

/// At most this many redirections per call (the ITU diversion limit, Q.732.2
/// §2.2.6); one more is refused with cause 20.
pub const REDIRECTION_LIMIT: u8 = 5;

impl Ssp {
    /// Puts line `number` in or out of service (out: calls get cause 20, no
    /// ringing). Returns false for an unknown number.
    pub fn set_in_service(&mut self, number: &str, in_service: bool) -> bool {
        let Some(li) = self.plan.line(number) else { return false };
        self.lines[li as usize].in_service = in_service;
        true
    }

    /// When `on`, a call to line `number` rings the line but waits for
    /// [`Ssp::line_alerting`] before it reports alerting (ACM) to the caller.
    /// Returns false for an unknown number.
    pub fn set_deferred_alerting(&mut self, number: &str, on: bool) -> bool {
        let Some(li) = self.plan.line(number) else { return false };
        self.lines[li as usize].defer_alerting = on;
        true
    }

    /// Sends calls to line `number` on to `to` (none: back to the line).
    /// Returns false for an unknown number.
    pub fn set_forward(&mut self, number: &str, to: Option<&str>) -> bool {
        let Some(li) = self.plan.line(number) else { return false };
        self.lines[li as usize].forward_to = to.map(str::to_owned);
        true
    }

    /// The called party on line `number` is being alerted: the held ACM goes
    /// to the caller now. Returns false unless the line is ringing with a caller.
    pub fn line_alerting(&mut self, now: Instant, number: &str, out: &mut Outputs) -> bool {
        let Some(li) = self.plan.line(number) else { return false };
        let Some(peer) = self.bridge.peer(Leg::Line(li)) else { return false };
        if self.lines[li as usize].state != super::Ls::Ringing {
            return false;
        }
        Self::line_event(li, EventKind::Alerting, out);
        self.deliver(now, peer, Sig::Alerting(None), out);
        true
    }

    /// Ends the call on line `number` from the network side with
    /// `cause_value`: the line hears what a far-end release sounds like in
    /// its state (stop ring, tone, far end released), the other leg gets the
    /// cause. Returns false when the line has no call.
    pub fn release_line(&mut self, now: Instant, number: &str, cause_value: u8, out: &mut Outputs) -> bool {
        let Some(li) = self.plan.line(number) else { return false };
        let Some(peer) = self.bridge.peer(Leg::Line(li)) else { return false };
        self.line_deliver(li, Sig::Release(cause_value), out);
        self.deliver(now, peer, Sig::Release(cause_value), out);
        true
    }

    /// Routes a call for line `li` on to `to`, with redirection information.
    pub(super) fn forward(
        &mut self,
        now: Instant,
        li: u32,
        from: Leg,
        setup: &Setup,
        to: &str,
        out: &mut Outputs,
    ) {
        let number = self.lines[li as usize].number.clone();
        let mut iam = setup.iam.clone().unwrap_or_else(|| self.fresh_iam(0, setup));
        let Some(count) = redirect(&mut iam, &number) else {
            out.event(
                Some(super::LINE_EVENT_BASE + u64::from(li)),
                EventKind::Note(format!("{}: {number}: redirection limit reached", self.name)),
            );
            return self.deliver(now, from, Sig::Release(cause::ABSENT), out);
        };
        out.event(
            Some(super::LINE_EVENT_BASE + u64::from(li)),
            EventKind::Note(format!(
                "{}: call to {number} forwarded to {to} (redirection {count})",
                self.name
            )),
        );
        let onward = Box::new(Setup {
            called: to.to_owned(),
            calling: setup.calling.clone(),
            category: setup.category,
            iam: Some(iam),
            rule: None,
        });
        let a = self.plan.analyze(to);
        self.route(now, from, onward, a, out);
    }
}

/// Marks `iam` as redirected by `by`: redirecting number `by`, original
/// called number kept (or set to `by`), redirection counter up by one.
/// Returns the new counter, or `None` past [`REDIRECTION_LIMIT`].
fn redirect(iam: &mut isup::Repr, by: &str) -> Option<u8> {
    let old = match iam.find(isup::code::REDIRECTION_INFO) {
        Some(P::RedirectionInformation(r)) => Some(*r),
        _ => None,
    };
    let count = old.map_or(0, |r| r.redirection_counter()) + 1;
    if count > REDIRECTION_LIMIT {
        return None;
    }
    // Redirecting indicator 1 "call rerouted", reason 3 "unconditional": the
    // network, not the subscriber, moves the call (Q.763 §3.45).
    let info = RedirectionInformation::default()
        .with_redirecting_indicator(1)
        .with_original_redirection_reason(old.map_or(3, |r| r.original_redirection_reason()))
        .with_redirection_counter(count)
        .with_redirecting_reason(3);
    let had_original = iam.find(isup::code::ORIGINAL_CALLED).is_some();
    let isup::Body::Parameters(list) = &mut iam.body else { return None };
    list.retain_optional(|p| !matches!(p, P::RedirectionInformation(_) | P::RedirectingNumber(_)));
    list.push_optional(P::RedirectionInformation(info));
    list.push_optional(P::RedirectingNumber(Number::e164(3, by)));
    if !had_original {
        list.push_optional(P::OriginalCalledNumber(Number::e164(3, by)));
    }
    Some(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ainsim_wire::isup::MessageType;
    use ainsim_wire::Variant;

    #[test]
    fn a_redirected_iam_counts_and_keeps_the_original_called_number() {
        let mut iam = isup::Repr::new(Variant::Itu, 1, MessageType::Iam, vec![], None);
        assert_eq!(redirect(&mut iam, "9175550123"), Some(1));
        assert_eq!(redirect(&mut iam, "3125550777"), Some(2));
        let Some(P::OriginalCalledNumber(n)) = iam.find(isup::code::ORIGINAL_CALLED) else { panic!() };
        assert_eq!(&*n.digits, "9175550123");
        let Some(P::RedirectingNumber(n)) = iam.find(isup::code::REDIRECTING) else { panic!() };
        assert_eq!(&*n.digits, "3125550777");
        assert_eq!(iam.optional().len(), 3);
        for _ in 2..REDIRECTION_LIMIT {
            assert!(redirect(&mut iam, "1").is_some());
        }
        assert_eq!(redirect(&mut iam, "1"), None);
    }
}
