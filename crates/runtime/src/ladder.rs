//! A ladder diagram of a trace, for the terminal (like sngrep's call flow).
//!
//! One column per node that appears (in order of first appearance, or as
//! given), one row per frame in the order given, with the time it was sent
//! and an arrow from sender to receiver labelled with a short decode:
//!
//! ```text
//!                     SSP-A                  STP                   SSP-B
//!                       │                     │                     │
//!     0.000000          │──IAM 2015550100→21…▶│                     │
//! ```
//!
//! Labels ([`label`]) decode SS7 frames with `ainsim_wire::stack::Frame`
//! (`IAM 2015550100→2125550142 cic 3`, `ACM`, `REL 16`, `QueryWithPerm
//! Info_Analyzed`, `Begin InitiateCallAttempt`, `SLTM`, `COO`), line frames
//! with `ainsim_elements::line::LineSignal` (`off-hook`, `digits 2125550142`,
//! `ring`), and OSN frames with `OsnMessage::label` (`CallSetup #1
//! 2015550100→2125550142`; never a password). A lost frame's
//! arrow ends in `✕` instead of an arrowhead.
//!
//! Contract: the output depends only on the rows and the options; columns
//! have a fixed width and labels too long for their arrow are cut with `…`;
//! trailing spaces are trimmed. Never panics on any bytes.

use ainsim_elements::line::LineSignal;
use ainsim_elements::Instant;
use ainsim_wire::mtp2::SignalUnit;
use ainsim_wire::sccp::Repr as Sccp;
use ainsim_wire::stack::{Frame, Start};
use ainsim_wire::tcap::{ansi, itu, TcapRepr};
use ainsim_wire::{isup, AinOpcode, InapOpcode, IsupRepr, Variant};

use crate::LinkKind;

/// One frame to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row<'a> {
    pub at: Instant,
    pub from: &'a str,
    pub to: &'a str,
    pub kind: LinkKind,
    pub bytes: &'a [u8],
    pub lost: bool,
}

/// Which frames belong to a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// ISUP messages on this CIC.
    Cic(u16),
    /// TCAP messages with this transaction ID (ITU otid/dtid, ANSI
    /// originating/responding ID).
    Transaction(Vec<u8>),
    /// Every frame on links of this kind.
    Kind(LinkKind),
    /// Frames any of these accept.
    Any(Vec<Filter>),
}

/// How to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// ITU or ANSI, to decode SS7 frames.
    pub variant: Variant,
    /// Characters per node column (at least 12).
    pub column_width: usize,
    /// Column order; nodes not listed follow in order of first appearance.
    pub columns: Vec<String>,
    /// Keep only the frames of one call.
    pub filter: Option<Filter>,
}

impl Default for Options {
    fn default() -> Self {
        Options { variant: Variant::Itu, column_width: 38, columns: Vec::new(), filter: None }
    }
}

impl Options {
    /// Default options for `variant`.
    pub fn new(variant: Variant) -> Self {
        Options { variant, ..Options::default() }
    }
}

/// Width of the time column.
const TIME_WIDTH: usize = 12;

/// Draws `rows` as a ladder diagram (empty string for no rows).
pub fn render<'a>(rows: impl IntoIterator<Item = Row<'a>>, opts: &Options) -> String {
    let rows: Vec<Row<'a>> = rows
        .into_iter()
        .filter(|r| opts.filter.as_ref().is_none_or(|f| accepts(f, r, opts.variant)))
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut cols: Vec<&str> = Vec::new();
    for c in &opts.columns {
        if rows.iter().any(|r| r.from == c || r.to == c) && !cols.contains(&c.as_str()) {
            cols.push(c);
        }
    }
    for r in &rows {
        for n in [r.from, r.to] {
            if !cols.contains(&n) {
                cols.push(n);
            }
        }
    }
    let w = opts.column_width.max(12);
    let width = TIME_WIDTH + cols.len() * w;
    let center = |i: usize| TIME_WIDTH + i * w + w / 2;
    let col = |n: &str| cols.iter().position(|c| *c == n).unwrap_or(0);

    let mut out = String::new();
    // Header: names centred over their lifelines.
    let mut line = vec![' '; width];
    for (i, name) in cols.iter().enumerate() {
        let name: Vec<char> = fit(name, w - 1).chars().collect();
        let start = center(i).saturating_sub(name.len() / 2);
        for (k, ch) in name.into_iter().enumerate() {
            if let Some(c) = line.get_mut(start + k) {
                *c = ch;
            }
        }
    }
    push_line(&mut out, &line);
    push_line(&mut out, &lifelines(width, cols.len(), center));

    for r in &rows {
        let mut line = lifelines(width, cols.len(), center);
        let time = format!("{:>11}", r.at.to_string());
        for (k, ch) in time.chars().enumerate() {
            line[k] = ch;
        }
        let text = label(r.kind, r.bytes, opts.variant);
        let (a, b) = (center(col(r.from)), center(col(r.to)));
        if a == b {
            let s: Vec<char> = format!("↺ {}", fit(&text, w - 3)).chars().collect();
            for (k, ch) in s.into_iter().enumerate() {
                if let Some(c) = line.get_mut(a + 1 + k) {
                    *c = ch;
                }
            }
        } else {
            let (lo, hi) = (a.min(b), a.max(b));
            let span = hi - lo - 1;
            let body = arrow(&text, span, a < b, r.lost);
            for (k, ch) in body.into_iter().enumerate() {
                line[lo + 1 + k] = ch;
            }
        }
        push_line(&mut out, &line);
    }
    out
}

fn lifelines(width: usize, n: usize, center: impl Fn(usize) -> usize) -> Vec<char> {
    let mut line = vec![' '; width];
    for i in 0..n {
        line[center(i)] = '│';
    }
    line
}

fn push_line(out: &mut String, line: &[char]) {
    let s: String = line.iter().collect();
    out.push_str(s.trim_end());
    out.push('\n');
}

/// `s` cut to at most `max` characters, with `…` when cut.
fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// An arrow of `span` cells: `──label──▶` (or `◀──label──`), `✕` for a lost frame.
fn arrow(text: &str, span: usize, rightward: bool, lost: bool) -> Vec<char> {
    let room = span.saturating_sub(5);
    let text: Vec<char> = fit(text, room).chars().collect();
    let dashes = span.saturating_sub(1 + text.len());
    let left = dashes / 2;
    let mut v: Vec<char> = Vec::with_capacity(span);
    let head = match (lost, rightward) {
        (true, _) => '✕',
        (false, true) => '▶',
        (false, false) => '◀',
    };
    if !rightward {
        v.push(head);
    }
    v.extend(std::iter::repeat_n('─', left));
    v.extend(text);
    v.extend(std::iter::repeat_n('─', dashes - left));
    if rightward {
        v.push(head);
    }
    v
}

fn accepts(f: &Filter, r: &Row<'_>, variant: Variant) -> bool {
    match f {
        Filter::Kind(k) => r.kind == *k,
        Filter::Any(fs) => fs.iter().any(|f| accepts(f, r, variant)),
        Filter::Cic(c) => {
            r.kind == LinkKind::Ss7
                && Frame::decode(r.bytes, Start::Mtp3, variant, false)
                    .ok()
                    .and_then(|fr| fr.isup)
                    .is_some_and(|i| i.cic == *c)
        }
        Filter::Transaction(tid) => {
            r.kind == LinkKind::Ss7
                && Frame::decode(r.bytes, Start::Mtp3, variant, false)
                    .ok()
                    .and_then(|fr| fr.tcap)
                    .is_some_and(|t| transaction_ids(&t).iter().any(|x| x == tid))
        }
    }
}

fn transaction_ids(t: &TcapRepr) -> Vec<Vec<u8>> {
    match t {
        TcapRepr::Itu(m) => m.otid.iter().chain(m.dtid.iter()).cloned().collect(),
        TcapRepr::Ansi(m) => {
            m.originating_id().into_iter().chain(m.responding_id()).map(<[u8]>::to_vec).collect()
        }
    }
}

/// A short decode of one frame for a ladder arrow.
pub fn label(kind: LinkKind, bytes: &[u8], variant: Variant) -> String {
    match kind {
        LinkKind::Ss7 => match Frame::decode(bytes, Start::Mtp3, variant, false) {
            Ok(f) => ss7_label(&f),
            Err(_) => format!("malformed MSU ({} octets)", bytes.len()),
        },
        LinkKind::Line => match LineSignal::parse(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => format!("malformed line signal ({} octets)", bytes.len()),
        },
        LinkKind::Osn => match ainsim_elements::osn::OsnMessage::parse(bytes) {
            Ok(m) => m.label(),
            Err(_) => match std::str::from_utf8(bytes) {
                Ok(s) if !s.is_empty() && s.chars().all(|c| !c.is_control()) => s.to_string(),
                _ => format!("OSN {} octets", bytes.len()),
            },
        },
    }
}

fn ss7_label(f: &Frame) -> String {
    if let Some(i) = &f.isup {
        return isup_label(i);
    }
    if let Some(s) = &f.sccp {
        return sccp_label(s, f);
    }
    if let Some(s) = &f.snm {
        return s.message.name().to_string();
    }
    if let Some(s) = &f.slt {
        return s.name().to_string();
    }
    if let Some(m) = &f.mtp2 {
        if !matches!(m.unit, SignalUnit::Msu { .. }) {
            return "MTP2 status".into();
        }
    }
    match &f.mtp3 {
        Some(m) => format!("SI {} ({} octets)", m.si, m.sif.len()),
        None => "MSU".into(),
    }
}

fn isup_label(i: &IsupRepr) -> String {
    let acr = i.message_type.acronym();
    let digits = |c: u8| i.find(c).and_then(|p| p.digits()).map(str::to_string);
    let cause = || match i.find(isup::code::CAUSE) {
        Some(ainsim_wire::IsupParameter::CauseIndicators(c)) => format!("{acr} {}", c.value),
        _ => acr.to_string(),
    };
    match acr {
        "IAM" => {
            let called = digits(isup::code::CALLED).unwrap_or_default();
            match digits(isup::code::CALLING) {
                Some(calling) => format!("IAM {calling}→{called} cic {}", i.cic),
                None => format!("IAM {called} cic {}", i.cic),
            }
        }
        "SAM" => format!("SAM {}", digits(isup::code::SUBSEQUENT).unwrap_or_default()),
        "REL" | "CFN" => cause(),
        "GRS" | "GRA" | "CGB" | "CGU" | "CGBA" | "CGUA" | "BLO" | "UBL" | "BLA" | "UBA" | "RSC" | "UCIC" => {
            format!("{acr} cic {}", i.cic)
        }
        _ => acr.to_string(),
    }
}

fn sccp_label(s: &Sccp, f: &Frame) -> String {
    let name = s.message_type().name();
    let tcap = f.tcap.as_ref().map(tcap_label);
    match (s, tcap) {
        (Sccp::Udts(u), t) => {
            format!("UDTS {:?}{}", u.return_cause, t.map(|t| format!(" ({t})")).unwrap_or_default())
        }
        (Sccp::Xudts(u), t) => {
            format!("XUDTS {:?}{}", u.return_cause, t.map(|t| format!(" ({t})")).unwrap_or_default())
        }
        (Sccp::Udt(_), Some(t)) => t,
        (_, Some(t)) => format!("{name}/{t}"),
        (_, None) => name.to_string(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn tcap_label(t: &TcapRepr) -> String {
    let (kind, parts): (&str, Vec<String>) = match t {
        TcapRepr::Itu(m) => (
            m.message_type.name(),
            m.components()
                .iter()
                .map(|c| match c {
                    itu::Component::Invoke(inv) => match &inv.opcode {
                        itu::Code::Local(code) => match InapOpcode::from_code(*code) {
                            InapOpcode::Unknown(n) => format!("op {n}"),
                            op => capitalise(op.name()),
                        },
                        itu::Code::Global(oid) => format!("op {oid:?}"),
                    },
                    itu::Component::ReturnResultLast(_) | itu::Component::ReturnResultNotLast(_) => {
                        "Result".into()
                    }
                    itu::Component::ReturnError(_) => "Error".into(),
                    itu::Component::Reject(_) => "Reject".into(),
                    itu::Component::Unknown { .. } => "?".into(),
                })
                .collect(),
        ),
        TcapRepr::Ansi(m) => (
            m.package_type.name(),
            m.components()
                .iter()
                .map(|c| match c {
                    ansi::Component::InvokeLast(inv) | ansi::Component::InvokeNotLast(inv) => {
                        match inv.opcode {
                            ansi::OpCode::Private(code) => match AinOpcode::from_code(code) {
                                AinOpcode::Unknown(n) => format!("op {n:#06x}"),
                                op => op.name().to_string(),
                            },
                            ansi::OpCode::National(code) => format!("op {code:#06x}"),
                        }
                    }
                    ansi::Component::ReturnResultLast(_) | ansi::Component::ReturnResultNotLast(_) => {
                        "Result".into()
                    }
                    ansi::Component::ReturnError(_) => "Error".into(),
                    ansi::Component::Reject(_) => "Reject".into(),
                    ansi::Component::Unknown { .. } => "?".into(),
                })
                .collect(),
        ),
    };
    if parts.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} {}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_are_centred_and_cut() {
        let a: String = arrow("ACM", 11, true, false).into_iter().collect();
        assert_eq!(a, "───ACM────▶");
        let a: String = arrow("ACM", 11, false, false).into_iter().collect();
        assert_eq!(a, "◀───ACM────");
        let a: String = arrow("a long label", 11, true, true).into_iter().collect();
        assert_eq!(a, "──a lon…──✕");
        assert_eq!(a.chars().count(), 11);
    }

    #[test]
    fn labels_never_panic_on_any_bytes() {
        let mut r = crate::rng::SplitMix64::new(1);
        for _ in 0..3000 {
            let len = r.below(64) as usize;
            let mut b: Vec<u8> = (0..len).map(|_| r.next_u64() as u8).collect();
            if r.chance(0.5) && !b.is_empty() {
                b[0] = 0x83 | (r.below(4) as u8) << 4; // SCCP or ISUP under a plausible SIO
            }
            for kind in [LinkKind::Ss7, LinkKind::Line, LinkKind::Osn] {
                for v in [Variant::Itu, Variant::Ansi] {
                    let _ = label(kind, &b, v);
                }
            }
        }
    }

    #[test]
    fn fit_counts_characters() {
        assert_eq!(fit("2015550100→2125550142", 30), "2015550100→2125550142");
        assert_eq!(fit("abcdef", 4), "abc…");
    }
}
