//! The real `ainsim` binary running the network: `ainsim call` on the
//! default topology (the seed's Fig. 1) and on files, its pcap judged by
//! tshark, topology errors, and `ainsim run` in real time.
#![allow(clippy::unwrap_used)]

use ainsim_tests::tshark::{have_tshark, tshark_complaints, tshark_fields};
use ainsim_tests::{run_ainsim, stderr, stdout, TempFile};

#[test]
fn an_answered_call_across_the_default_network_prints_its_ladder() {
    let o = run_ainsim(&["call", "2015550100", "2125550143"], None);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    for m in ["off-hook", "IAM 2015550100", "ACM", "ANM", "REL 16", "RLC", "connected"] {
        assert!(out.contains(m), "{m} missing in\n{out}");
    }
    assert!(out.contains("outcome:  answered"), "{out}");
    assert!(out.contains("as expected"), "{out}");
}

#[test]
fn outcomes_follow_the_subscribers_behaviour() {
    // (to, expected outcome, expected cause) on the default topology.
    let cases = [
        ("2125550142", "answered", None::<u8>),
        ("2125550144", "failed", Some(17)),
        ("3035550000", "failed", Some(1)),
        // 800, translated by the ISCP (global title at the STP pair).
        ("8005551234", "answered", None),
        // The mobile behind the MTSO, paged; a switched-off one is absent.
        ("9175550123", "answered", None),
        ("9175550124", "failed", Some(20)),
        // Busy, forwarded by the ISCP (Termination_Attempt) to the mobile.
        ("2125550145", "answered", None),
    ];
    for variant in ["ansi", "itu"] {
        for (to, outcome, cause) in cases {
            let o = run_ainsim(&["call", "2015550100", to, "--variant", variant, "--json"], None);
            assert!(o.status.success(), "{to} {variant}: {}{}", stdout(&o), stderr(&o));
            let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            assert_eq!(j["outcome"]["outcome"], outcome, "{to} {variant}: {j}");
            assert_eq!(j["outcome"]["cause"].as_u64(), cause.map(u64::from), "{to} {variant}: {j}");
            assert_eq!(j["ok"], true);
        }
    }
}

const NO_ANSWER: &str = r#"
[[stp]]
name = "STP"
point_code = "1-2-1"

[[ssp]]
name = "A"
point_code = "1-1-1"
lines = ["2015550100"]

[[ssp]]
name = "B"
point_code = "1-1-2"
lines = ["2125550142"]
timers = { t9 = "100s" }

[[trunk_group]]
between = ["A", "B"]
circuits = 4

[[phone]]
number = "2125550142"
when_called = { do = "no_answer" }
"#;

#[test]
fn no_answer_ends_with_t9_and_cause_19() {
    let f = TempFile::new("noanswer.toml", NO_ANSWER.as_bytes());
    let p = f.path().to_str().unwrap();
    let o = run_ainsim(&["call", "2015550100", "2125550142", "--topology", p, "--json"], None);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["outcome"]["cause"], 19, "{j}");
    // T9 runs at the originating exchange: A's default 90 s, not the 100 s set on B.
    let released = j["released_s"].as_f64().unwrap();
    assert!((90.0..91.0).contains(&released), "released at {released}: {j}");
}

#[test]
fn the_call_pcap_passes_the_wireshark_judge_in_both_variants() {
    if !have_tshark() {
        panic!("tshark is needed (scripts/test.sh installs it)");
    }
    for variant in ["itu", "ansi"] {
        let f = TempFile::new("call.pcap", b"");
        let p = f.path().to_str().unwrap();
        let o = run_ainsim(&["call", "2015550100", "2125550142", "--variant", variant, "--pcap", p], None);
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
        let opts: Vec<String> =
            if variant == "ansi" { vec!["-o".into(), "mtp3.standard:ANSI".into()] } else { vec![] };
        let frames = tshark_fields(f.path(), &opts, &["isup.message_type", "isup.cic"]);
        assert!(frames.len() > 10, "{variant}: only {} frames", frames.len());
        assert_eq!(tshark_complaints(&frames), Vec::<String>::new(), "{variant}");
        let types: Vec<String> = frames.iter().flat_map(|f| f.get(0).to_vec()).collect();
        // IAM 1, ACM 6, ANM 9, REL 12, RLC 16: each seen on both hops.
        for mt in ["1", "6", "9", "12", "16"] {
            assert!(types.iter().filter(|t| *t == mt).count() >= 2, "{variant}: type {mt} in {types:?}");
        }
    }
}

#[test]
fn topology_errors_name_the_file_line_and_field() {
    let bad = NO_ANSWER.replace("point_code = \"1-1-2\"", "point_code = \"1-1-2000\"");
    let f = TempFile::new("bad.toml", bad.as_bytes());
    let p = f.path().to_str().unwrap();
    let o = run_ainsim(&["call", "2015550100", "2125550142", "--topology", p], None);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let e = stderr(&o);
    let line = bad.lines().position(|l| l.contains("1-1-2000")).unwrap() + 1;
    assert!(e.contains(&format!("bad.toml:{line}: ssp[1] (B) point_code")), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");

    let o = run_ainsim(&["call", "2015550199", "2125550142"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("FROM 2015550199 is not a subscriber line"), "{}", stderr(&o));

    let o = run_ainsim(&["call", "2015550100", "21255x"], None);
    assert_eq!(o.status.code(), Some(2));

    let o = run_ainsim(&["run", "--topology", "/nonexistent/topology.toml", "--for", "1s"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/topology.toml: cannot read"), "{}", stderr(&o));
}

#[test]
fn run_carries_a_scripted_call_in_real_time() {
    let topo = format!(
        "{NO_ANSWER}\n[[phone]]\nnumber = \"2015550100\"\n\
         calls = [{{ at = \"300ms\", to = \"2125550142\", give_up_after = \"600ms\" }}]\n"
    );
    let f = TempFile::new("run.toml", topo.as_bytes());
    let p = f.path().to_str().unwrap();
    let o = run_ainsim(&["run", "--topology", p, "--for", "2s", "--variant", "itu"], None);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(out.contains("running in real time"), "{out}");
    assert!(out.contains("call attempt 2015550100 -> 2125550142"), "{out}");
    assert!(out.contains("alerting"), "{out}");
    assert!(out.contains("released, cause 16"), "{out}");
}
