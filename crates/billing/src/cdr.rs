//! The call detail records: one [`LegCdr`] per subscriber line's part in a
//! call, one [`SessionCdr`] per click-to-call session, and the illustrative
//! [`Tariff`] that prices sessions.
//!
//! What they are not: AMA (GR-1100) records or a rating engine. Times are
//! the run's [`Instant`]s in microseconds (the simulator's virtual clock, or
//! time since the real-time network started); `run` names the run so that
//! records of many runs share one database.

use std::collections::BTreeMap;

use ainsim_elements::ssp::cause;

/// Which way a leg went at its switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The line placed the call (it dialled).
    Originating,
    /// The line was rung (by a call from a line, a trunk, or the ISCP's Create_Call).
    Terminating,
}

/// How a leg ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Answered (whatever the release cause afterwards).
    Answered,
    /// Released before answer with cause 17.
    Busy,
    /// Released before answer with cause 18 or 19.
    NoAnswer,
    /// Released before answer with cause 20 (a mobile not on the air).
    Absent,
    /// Released before answer with cause 21 (the line refused the call).
    Rejected,
    /// Released before answer with cause 1 (no such number).
    Unallocated,
    /// Released before answer with any other cause.
    Failed,
    /// Still going when the records were taken.
    Unfinished,
}

impl Outcome {
    /// The outcome of a leg answered or not, released with `cause` or not yet.
    pub fn of(answered: bool, released_with: Option<u8>) -> Outcome {
        match (answered, released_with) {
            (true, _) => Outcome::Answered,
            (false, None) => Outcome::Unfinished,
            (false, Some(cause::BUSY)) => Outcome::Busy,
            (false, Some(18 | cause::NO_ANSWER)) => Outcome::NoAnswer,
            (false, Some(cause::ABSENT)) => Outcome::Absent,
            (false, Some(cause::REJECTED)) => Outcome::Rejected,
            (false, Some(cause::UNALLOCATED)) => Outcome::Unallocated,
            (false, Some(_)) => Outcome::Failed,
        }
    }

    /// The snake_case name (`answered`, `busy`, …).
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::Busy => "busy",
            Outcome::NoAnswer => "no_answer",
            Outcome::Absent => "absent",
            Outcome::Rejected => "rejected",
            Outcome::Unallocated => "unallocated",
            Outcome::Failed => "failed",
            Outcome::Unfinished => "unfinished",
        }
    }
}

/// One subscriber line's part in one call, as its switch reported it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LegCdr {
    /// The run the leg belongs to.
    pub run: String,
    /// `leg-N`, unique within the run (N counts legs in the order they began).
    pub id: String,
    /// The switch (SSP or MTSO) that reported it.
    pub switch: String,
    /// The subscriber line's number (or `line N` when the directory does not know it).
    pub line: String,
    pub direction: Direction,
    /// Calling number as the switch saw it (empty when it did not say).
    pub from: String,
    /// Called number as the switch saw it (dialled digits for an originating leg).
    pub to: String,
    /// The incoming circuit (CIC) of a terminating leg that came over ISUP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cic: Option<u16>,
    /// The business whose click-to-call session the leg is part of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<String>,
    /// The session (the network's call id) the leg is part of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<u64>,
    /// When the leg began (the attempt, or the ring), µs since the run's start.
    pub started_us: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerting_us: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_us: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_us: Option<u64>,
    /// Answer to release, in ms (0 if never answered or not released).
    pub talk_ms: u64,
    /// Start to release, in ms (0 if not released).
    pub duration_ms: u64,
    pub outcome: Outcome,
    /// The Q.850 release cause the line saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<u8>,
}

/// How a click-to-call session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionOutcome {
    /// Customer and representative were bridged.
    Connected,
    /// The network called the customer, who did not answer (busy, no
    /// answer, absent, or the controller gave up first).
    CustomerNotReached,
    /// The customer answered but no representative was bridged.
    RepresentativeNotReached,
    /// The controller failed the session before it called anyone.
    Failed,
    /// Still going when the records were taken.
    Unfinished,
}

impl SessionOutcome {
    /// The snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            SessionOutcome::Connected => "connected",
            SessionOutcome::CustomerNotReached => "customer_not_reached",
            SessionOutcome::RepresentativeNotReached => "representative_not_reached",
            SessionOutcome::Failed => "failed",
            SessionOutcome::Unfinished => "unfinished",
        }
    }
}

/// One click-to-call session: the network's `CallSetup` and the statuses
/// that followed, with the legs it claimed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionCdr {
    pub run: String,
    /// The call id of the `CallSetup` (the access server's own reference).
    pub call_id: u64,
    /// The node that ran the session (the ISCP).
    pub controller: String,
    pub business: String,
    pub customer: String,
    pub representative: String,
    /// The `CallSetup` reached the controller.
    pub requested_us: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_answered_us: Option<u64>,
    /// Customer and representative bridged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_us: Option<u64>,
    /// The final status (`released` or `failed`) left the controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_us: Option<u64>,
    /// Customer answer to end, in ms: what the business is charged for.
    pub billable_ms: u64,
    /// Bridged (connected) to end, in ms.
    pub bridged_ms: u64,
    /// Request to end, in ms.
    pub duration_ms: u64,
    pub outcome: SessionOutcome,
    /// The failure reason the controller gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The Q.850 cause that ended it, from its legs (16 for a normal end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<u8>,
    /// The leg ids: the customer's leg first, then the representative's.
    pub legs: Vec<String>,
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "record")]
pub enum Record {
    Leg(LegCdr),
    Session(SessionCdr),
}

impl Record {
    /// The business the record is billed to, if any.
    pub fn business(&self) -> Option<&str> {
        match self {
            Record::Leg(l) => l.business.as_deref(),
            Record::Session(s) => Some(&s.business),
        }
    }

    /// The run it belongs to.
    pub fn run(&self) -> &str {
        match self {
            Record::Leg(l) => &l.run,
            Record::Session(s) => &s.run,
        }
    }

    /// The store key: `RUN/leg/NNNNNNNN` or `RUN/session/NNNNNNNNNNNN`
    /// (zero-padded, so a scan lists a run's records in order).
    pub fn key(&self) -> String {
        match self {
            Record::Leg(l) => {
                let n: u64 = l.id.strip_prefix("leg-").and_then(|n| n.parse().ok()).unwrap_or(0);
                format!("{}/leg/{n:08}", l.run)
            }
            Record::Session(s) => format!("{}/session/{:012}", s.run, s.call_id),
        }
    }
}

/// An illustrative tariff: what a business pays per click-to-call session.
/// Amounts are in cents; nothing here is a real telco's rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tariff {
    /// Charged once per connected session.
    pub setup_cents: u64,
    /// Charged per started billing increment of billable time, pro rata.
    pub per_minute_cents: u64,
    /// Billable time is rounded up to a multiple of this (seconds, ≥ 1).
    pub increment_s: u64,
}

impl Default for Tariff {
    /// 10 ¢ set-up, 5 ¢ a minute, billed per started 6 s.
    fn default() -> Self {
        Tariff { setup_cents: 10, per_minute_cents: 5, increment_s: 6 }
    }
}

impl Tariff {
    /// The charge for a session, in cents: nothing unless it connected.
    pub fn charge(&self, s: &SessionCdr) -> u64 {
        if s.outcome != SessionOutcome::Connected {
            return 0;
        }
        let inc_ms = self.increment_s.max(1).saturating_mul(1000);
        let rounded_ms = u128::from(s.billable_ms.div_ceil(inc_ms)) * u128::from(inc_ms);
        // per_minute × rounded / 60 000 ms, rounded up to the cent (in u128, saturating).
        let time = u128::from(self.per_minute_cents).checked_mul(rounded_ms).map(|x| x.div_ceil(60_000));
        let time = time.and_then(|t| u64::try_from(t).ok()).unwrap_or(u64::MAX);
        self.setup_cents.saturating_add(time)
    }
}

/// The tariff of each business, and the default for the others.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tariffs {
    pub default: Tariff,
    #[serde(default)]
    pub business: BTreeMap<String, Tariff>,
}

impl Tariffs {
    /// The tariff `business` pays.
    pub fn of(&self, business: &str) -> Tariff {
        self.business.get(business).copied().unwrap_or(self.default)
    }
}

/// What one business ran up.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    pub business: String,
    pub sessions: u64,
    pub connected: u64,
    /// Legs that belong to its sessions.
    pub legs: u64,
    pub billable_ms: u64,
    pub bridged_ms: u64,
    /// The sum of [`Tariff::charge`] over its sessions, in cents.
    pub amount_cents: u64,
}

/// Per-business totals of `records`, sorted by business id. Legs with no
/// business (ordinary subscriber calls) are not in any total.
pub fn totals<'a>(records: impl IntoIterator<Item = &'a Record>, tariffs: &Tariffs) -> Vec<Totals> {
    let mut by: BTreeMap<String, Totals> = BTreeMap::new();
    for r in records {
        let Some(b) = r.business() else { continue };
        let t =
            by.entry(b.to_owned()).or_insert_with(|| Totals { business: b.to_owned(), ..Totals::default() });
        match r {
            Record::Leg(_) => t.legs += 1,
            Record::Session(s) => {
                t.sessions += 1;
                t.connected += u64::from(s.outcome == SessionOutcome::Connected);
                t.billable_ms = t.billable_ms.saturating_add(s.billable_ms);
                t.bridged_ms = t.bridged_ms.saturating_add(s.bridged_ms);
                t.amount_cents = t.amount_cents.saturating_add(tariffs.of(b).charge(s));
            }
        }
    }
    by.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(outcome: SessionOutcome, billable_ms: u64) -> SessionCdr {
        SessionCdr {
            run: "r".into(),
            call_id: 1,
            controller: "ISCP".into(),
            business: "ABC".into(),
            customer: "2015550100".into(),
            representative: "2125550142".into(),
            requested_us: 0,
            customer_answered_us: None,
            connected_us: None,
            ended_us: None,
            billable_ms,
            bridged_ms: 0,
            duration_ms: 0,
            outcome,
            reason: None,
            cause: None,
            legs: vec![],
        }
    }

    #[test]
    fn a_connected_session_pays_setup_and_started_increments() {
        let t = Tariff { setup_cents: 10, per_minute_cents: 60, increment_s: 6 };
        // 61 s rounds up to 66 s: 66 ¢ at a cent a second, plus 10.
        assert_eq!(t.charge(&session(SessionOutcome::Connected, 61_000)), 76);
        assert_eq!(t.charge(&session(SessionOutcome::Connected, 0)), 10);
        assert_eq!(t.charge(&session(SessionOutcome::CustomerNotReached, 61_000)), 0);
        let free = Tariff { setup_cents: 0, per_minute_cents: u64::MAX, increment_s: 0 };
        assert_eq!(free.charge(&session(SessionOutcome::Connected, u64::MAX)), u64::MAX, "saturates");
    }

    #[test]
    fn outcomes_follow_the_release_cause_before_answer() {
        assert_eq!(Outcome::of(true, Some(17)), Outcome::Answered);
        assert_eq!(Outcome::of(false, Some(17)), Outcome::Busy);
        assert_eq!(Outcome::of(false, Some(19)), Outcome::NoAnswer);
        assert_eq!(Outcome::of(false, Some(34)), Outcome::Failed);
        assert_eq!(Outcome::of(false, None), Outcome::Unfinished);
    }
}
