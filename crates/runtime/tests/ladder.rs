//! The ladder diagram: a scripted call through the story network drawn line
//! by line, call filters, and the short labels of TCAP, MTP3 management and
//! broken frames.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use ainsim_elements::sp::SignallingPoint;
use ainsim_elements::Instant;
use ainsim_runtime::ladder::{self, Filter, Options, Row};
use ainsim_runtime::{LinkKind, LinkModel, Simulator};
use ainsim_wire::mtp3::si;
use ainsim_wire::sccp::{self, Repr as Sccp};
use ainsim_wire::{tcap, PointCode, Variant};

/// Lines joined with a newline after each.
fn text(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn run_story() -> Simulator {
    let mut sim = common::story(
        1,
        LinkModel::fixed(Duration::from_millis(5)),
        LinkModel::fixed(Duration::from_millis(1)),
    );
    sim.start();
    assert!(sim.run_until_idle(common::ms(60_000)));
    sim
}

#[test]
fn the_signalling_of_a_basic_call_reads_as_a_ladder() {
    let sim = run_story();
    let opts = Options { filter: Some(Filter::Kind(LinkKind::Ss7)), ..Options::new(Variant::Itu) };
    let got = sim.ladder(&opts);
    let want = text(&[
        "                             SSP-A                                  STP                                  SSP-B",
        "                               │                                     │                                     │",
        "   0.001000                    │──IAM 2015550100→2125550142 cic 3───▶│                                     │",
        "   0.006000                    │                                     │──IAM 2015550100→2125550142 cic 3───▶│",
        "   0.011000                    │                                     │◀────────────────ACM─────────────────│",
        "   0.016000                    │◀────────────────ACM─────────────────│                                     │",
        "   3.013000                    │                                     │◀────────────────ANM─────────────────│",
        "   3.018000                    │◀────────────────ANM─────────────────│                                     │",
        "   5.025000                    │───────────────REL 16───────────────▶│                                     │",
        "   5.030000                    │                                     │───────────────REL 16───────────────▶│",
        "   5.035000                    │                                     │◀────────────────RLC─────────────────│",
        "   5.040000                    │◀────────────────RLC─────────────────│                                     │",
    ]);
    assert_eq!(got, want, "\n{got}");
    // The CIC filter picks the same frames: this call is the only one on CIC 3.
    let by_cic = Options { filter: Some(Filter::Cic(3)), ..Options::new(Variant::Itu) };
    assert_eq!(sim.ladder(&by_cic), want);
    let other = Options { filter: Some(Filter::Cic(4)), ..Options::new(Variant::Itu) };
    assert_eq!(sim.ladder(&other), "");
}

#[test]
fn the_whole_story_has_a_column_per_node_and_line_signals() {
    let sim = run_story();
    let opts = Options { column_width: 24, ..Options::new(Variant::Itu) };
    let got = sim.ladder(&opts);
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines.len(), 2 + sim.trace().len());
    assert_eq!(
        lines[0],
        "                     phone A                  SSP-A                    STP                    SSP-B                  phone B"
    );
    let want = text(&[
        "   0.000000             │───────off-hook───────▶│                       │                       │                       │",
        "   0.000000             │──digits 2125550142───▶│                       │                       │                       │",
        // 24 columns leave 18 characters for a label: the IAM's is cut.
        "   0.001000             │                       │──IAM 2015550100→21…──▶│                       │                       │",
        "   0.006000             │                       │                       │──IAM 2015550100→21…──▶│                       │",
        "   0.011000             │                       │                       │                       │──ring (caller 2015…──▶│",
        "   0.011000             │                       │                       │◀─────────ACM──────────│                       │",
        "   0.016000             │                       │◀─────────ACM──────────│                       │                       │",
        "   3.012000             │                       │                       │                       │◀───────off-hook───────│",
        "   3.013000             │                       │                       │                       │──────connected───────▶│",
    ]);
    assert_eq!(text(&lines[2..11]), want);
    // An explicit column order wins over order of appearance.
    let opts = Options { columns: vec!["SSP-B".into(), "SSP-A".into()], ..opts };
    assert!(sim.ladder(&opts).lines().next().unwrap().trim_start().starts_with("SSP-B"));
}

fn row(bytes: &[u8]) -> Row<'_> {
    Row { at: Instant(1_500_000), from: "SSP", to: "SCP", kind: LinkKind::Ss7, bytes, lost: false }
}

fn udt_msu(variant: Variant, tcap: Vec<u8>) -> Vec<u8> {
    let (_, mut udt) = sccp::examples(variant).into_iter().find(|(n, _)| *n == "udt").unwrap();
    if let Sccp::Udt(u) = &mut udt {
        u.data = tcap;
    }
    let sp = SignallingPoint::new(PointCode(1), variant, 2);
    sp.build(si::SCCP, PointCode(2), 0, &udt.to_bytes(variant).unwrap()).unwrap()
}

#[test]
fn tcap_frames_are_labelled_with_their_operations() {
    let ansi = tcap::examples(Variant::Ansi).into_iter().next().unwrap().1.to_bytes().unwrap();
    let itu = tcap::examples(Variant::Itu).into_iter().next().unwrap().1.to_bytes().unwrap();
    let ansi_msu = udt_msu(Variant::Ansi, ansi);
    let itu_msu = udt_msu(Variant::Itu, itu);
    assert_eq!(ladder::label(LinkKind::Ss7, &ansi_msu, Variant::Ansi), "QueryWithPerm Info_Analyzed");
    assert_eq!(ladder::label(LinkKind::Ss7, &itu_msu, Variant::Itu), "Begin InitiateCallAttempt");

    // Filter by transaction: the ANSI example's originating ID is 1a2b3c4d.
    let rows = [row(&ansi_msu)];
    let f = Options {
        filter: Some(Filter::Transaction(vec![0x1a, 0x2b, 0x3c, 0x4d])),
        column_width: 40,
        ..Options::new(Variant::Ansi)
    };
    assert_eq!(
        ladder::render(rows, &f),
        text(&[
            "                               SSP                                     SCP",
            "                                │                                       │",
            "   1.500000                     │─────QueryWithPerm Info_Analyzed──────▶│",
        ])
    );
    let f = Options { filter: Some(Filter::Transaction(vec![9])), ..f };
    assert_eq!(ladder::render(rows, &f), "");
}

#[test]
fn management_lost_and_broken_frames() {
    let sp = SignallingPoint::new(PointCode(1), Variant::Itu, 2);
    let mut sltm = Vec::new();
    ainsim_wire::mtp3::slt_examples(Variant::Itu).remove(0).1.emit(&mut sltm).unwrap();
    let msu = sp.build(si::MTN, PointCode(2), 0, &sltm).unwrap();
    assert_eq!(ladder::label(LinkKind::Ss7, &msu, Variant::Itu), "SLTM");
    assert_eq!(ladder::label(LinkKind::Ss7, &[0x85], Variant::Itu), "malformed MSU (1 octets)");
    assert_eq!(ladder::label(LinkKind::Line, &[0x7f], Variant::Itu), "malformed line signal (1 octets)");
    assert_eq!(ladder::label(LinkKind::Osn, b"call-setup biz=42", Variant::Itu), "call-setup biz=42");
    assert_eq!(ladder::label(LinkKind::Osn, &[0, 1, 2], Variant::Itu), "OSN 3 octets");

    let lost = Row { lost: true, ..row(&msu) };
    let back = Row { from: "SCP", to: "SSP", lost: true, ..row(&msu) };
    let opts = Options { column_width: 20, ..Options::default() };
    assert_eq!(
        ladder::render([lost, back], &opts),
        text(&[
            "                     SSP                 SCP",
            "                      │                   │",
            "   1.500000           │───────SLTM───────✕│",
            "   1.500000           │✕───────SLTM───────│",
        ])
    );
}
