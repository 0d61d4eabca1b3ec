//! `ainsim demo`, the README's first command, as a new user runs it: the
//! whole click-to-call story in simulated time, exit 0 only when all of it
//! happened, the same output for the same seed, and a pcap that Wireshark
//! reads clean.
#![allow(clippy::unwrap_used)]

use ainsim_tests::tshark::{have_tshark, tshark_complaints, tshark_fields};
use ainsim_tests::{run_ainsim, stderr, stdout, TempFile};

#[test]
fn the_demo_tells_the_whole_story_and_exits_0() {
    let o = run_ainsim(&["demo"], None);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    for part in [
        "POST /api/call-requests",
        "POST /v1/call-instructions -> 202 Accepted",
        "call_status 1: customer_answered",
        "call_status 1: announcing",
        "call_status 1: connected",
        "cruise-1: pop",
        "IAM",
        "ANM",
        "REL",
        "RLC",
        "InitiateCallAttempt",
        "connected",
        "demo: OK",
    ] {
        assert!(out.contains(part), "{part:?} missing from\n{out}");
    }
    assert!(!out.contains("FAILED"), "{out}");
}

#[test]
fn the_same_seed_gives_the_same_output_byte_for_byte() {
    let a = run_ainsim(&["demo", "--seed", "9", "--variant", "ansi"], None);
    let b = run_ainsim(&["demo", "--seed", "9", "--variant", "ansi"], None);
    assert!(a.status.success(), "{}{}", stdout(&a), stderr(&a));
    assert_eq!(stdout(&a), stdout(&b));
    assert!(stdout(&a).contains("Create_Call"), "{}", stdout(&a));
}

#[test]
fn the_demo_pcap_passes_the_wireshark_judge_in_both_variants() {
    if !have_tshark() {
        panic!("tshark is needed (scripts/test.sh installs it)");
    }
    for (variant, ssn) in [("itu", "241"), ("ansi", "248")] {
        let f = TempFile::new("demo.pcap", b"");
        let p = f.path().to_str().unwrap();
        let o = run_ainsim(&["demo", "--variant", variant, "--pcap", p], None);
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
        let mut opts: Vec<String> = vec!["-d".into(), format!("sccp.ssn=={ssn},tcap")];
        if variant == "ansi" {
            opts.extend(["-o".into(), "mtp3.standard:ANSI".into()]);
        }
        let frames = tshark_fields(f.path(), &opts, &["isup.message_type", "frame.protocols"]);
        assert_eq!(tshark_complaints(&frames), Vec::<String>::new(), "{variant}");
        let types: Vec<String> = frames.iter().flat_map(|f| f.get(0).to_vec()).collect();
        for mt in ["1", "6", "9", "12", "16"] {
            assert!(types.contains(&mt.to_owned()), "{variant}: ISUP type {mt} missing from {types:?}");
        }
        let tcap = frames.iter().filter(|f| f.get(1).iter().any(|p| p.contains("tcap"))).count();
        assert!(tcap >= 4, "{variant}: only {tcap} TCAP frames");
    }
}

#[test]
fn a_bad_topology_or_variant_is_refused_with_exit_2() {
    let f = TempFile::new("bad.toml", b"[[ssp]]\nname = 3\n");
    let o = run_ainsim(&["demo", "--topology", f.path().to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("bad.toml:2"), "{}", stderr(&o));
    let o = run_ainsim(&["demo", "--variant", "gsm"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("gsm"), "{}", stderr(&o));
}
