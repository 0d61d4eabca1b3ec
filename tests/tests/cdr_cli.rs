//! The real `ainsim` binary keeping call detail records: `ainsim call
//! --cdr-db DIR` writes each call's CDRs into a sled database, `ainsim cdr
//! --db DIR` lists them (text or JSON) with per-business totals.
#![allow(clippy::unwrap_used)]

use ainsim_tests::{run_ainsim, stderr, stdout};

#[test]
fn calls_recorded_into_a_database_are_listed_by_ainsim_cdr() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cdr");
    let db = db.to_str().unwrap();

    // An answered call across two switches, then a busy one on SSP-B.
    let o = run_ainsim(&["call", "2015550100", "2125550143", "--cdr-db", db], None);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("cdr: 2 records in"), "{}", stdout(&o));
    let o = run_ainsim(&["call", "2125550142", "2125550144", "--cdr-db", db], None);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));

    let o = run_ainsim(&["cdr", "--db", db], None);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(out.starts_with("0 sessions, 3 legs"), "{out}");
    assert!(out.contains("SSP-A 2015550100 orig 2015550100 -> 2125550143  answered cause 16"), "{out}");
    assert!(out.contains("SSP-C 2125550143 term 2015550100 -> 2125550143 cic"), "{out}");
    assert!(out.contains("SSP-B 2125550142 orig 2125550142 -> 2125550144  busy cause 17"), "{out}");
    assert!(out.contains("(no business sessions)"), "{out}");

    // The same as JSON, for machines.
    let o = run_ainsim(&["cdr", "--db", db, "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let records = v["records"].as_array().unwrap();
    assert_eq!(records.len(), 3, "{v:#}");
    let busy = records.iter().find(|r| r["outcome"] == "busy").unwrap();
    assert_eq!((busy["cause"].as_u64(), busy["line"].as_str()), (Some(17), Some("2125550142")));
    let answered = records.iter().find(|r| r["line"] == "2015550100").unwrap();
    let talk = answered["talk_ms"].as_u64().unwrap();
    assert!((5000..5100).contains(&talk), "the default hold is 5 s: {answered:#}");
    assert_eq!(v["totals"], serde_json::json!([]));

    // A business filter keeps only that business's sessions and legs: none here.
    let o = run_ainsim(&["cdr", "--db", db, "--business", "ABC"], None);
    assert!(stdout(&o).starts_with("0 sessions, 0 legs"), "{}", stdout(&o));
}

#[test]
fn a_missing_database_is_named_with_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nothing-here");
    let o = run_ainsim(&["cdr", "--db", db.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("no CDR database at") && err.contains("--cdr-db"), "{err}");
    assert!(!db.exists(), "listing does not create a database");
}

#[test]
fn a_click_to_call_session_is_listed_with_its_legs_and_the_business_total() {
    use std::time::Duration;

    use ainsim_billing::{feed, save, set_tariff, Billing, Directory, Tariff};
    use ainsim_elements::osn::OsnMessage;
    use ainsim_runtime::topology::{Topology, ACCESS_CLIENT_PORT};
    use ainsim_store::SledStore;

    // ABC Travel's web server asks for a call: the shopper 2015550100
    // first, then the representative 2125550142; the shopper hangs up
    // after 30 s on the line.
    let s = Duration::from_secs(1);
    let mut t = Topology::default_fig1();
    t.phone_mut("2015550100").holding = Some(30 * s);
    let plan = t.plan(None).unwrap();
    let mut net = plan.simulate(3).unwrap();
    net.sim.start();
    net.sim.run_for(s);
    let instruction = OsnMessage::CallInstruction {
        request_id: 1,
        equipment: "https://abc-travel.example/".into(),
        business: "ABC".into(),
        password: "cruise-2027".into(),
        customer: "2015550100".into(),
        representative: "2125550142".into(),
        contact_at: None,
    };
    net.sim.inject(net.node("ACCESS").unwrap(), ACCESS_CLIENT_PORT, instruction.emit());
    net.sim.run_for(300 * s);
    let mut billing = Billing::new("demo", Directory::from_plan(&plan));
    feed(&mut billing, &net);
    let records = billing.finish();

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cdr");
    {
        let mut store = SledStore::open(&db).unwrap();
        save(&mut store, &records).unwrap();
        // A cent a second, no set-up fee, per second: the amount is the billable seconds.
        set_tariff(&mut store, "ABC", &Tariff { setup_cents: 0, per_minute_cents: 60, increment_s: 1 })
            .unwrap();
    }
    let o = run_ainsim(&["cdr", "--db", db.to_str().unwrap(), "--business", "ABC"], None);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(out.starts_with("1 sessions, 2 legs"), "{out}");
    assert!(out.contains("demo #1 ABC 2015550100 -> 2125550142  connected cause 16"), "{out}");
    assert!(out.contains("legs leg-1,leg-2"), "{out}");
    assert!(out.contains("SSP-A 2015550100 term 2125550142 -> 2015550100"), "the shopper was called: {out}");
    assert!(out.contains("[ABC #1]"), "{out}");
    // The shopper was on the line 30 s from answer: 30 s billable, 0.30.
    assert!(out.contains("ABC  sessions 1  connected 1  legs 2  billable 30.000 s"), "{out}");
    assert!(out.contains("amount 0.30"), "{out}");
}
