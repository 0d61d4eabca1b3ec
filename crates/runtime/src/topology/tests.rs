#![allow(clippy::unwrap_used)]

use std::time::Duration;

use ainsim_elements::line::LineSignal;
use ainsim_elements::{Phone, PlacedCall};
use ainsim_wire::Variant;

use super::*;

#[test]
fn the_default_topology_plans_in_both_variants() {
    let t = Topology::default_fig1();
    for v in [Variant::Ansi, Variant::Itu] {
        let plan = t.plan(Some(v)).unwrap();
        let names: Vec<&str> = plan.nodes.iter().map(|(n, _)| n.as_str()).collect();
        for n in [
            "SSP-A",
            "SSP-B",
            "SSP-C",
            "MTSO",
            "STP-1",
            "STP-2",
            "ISCP",
            "IP",
            "ACCESS",
            "tel:2015550100",
            "tel:9175550123",
        ] {
            assert!(names.contains(&n), "{n} in {names:?}");
        }
        assert_eq!(plan.lines["2125550143"].0, "SSP-C");
        let net = plan.simulate(1).unwrap();
        assert!(net.phone("2015550100").is_some());
    }
}

#[test]
fn a_call_across_the_default_network_is_answered() {
    let mut t = Topology::default_fig1();
    let net = call_2125550143_from(&mut t, "2015550100");
    let callee = net.sim.element::<Phone>(net.phone("2125550143").unwrap()).unwrap();
    assert!(callee.log().iter().any(|s| matches!(s.signal, LineSignal::Ring { .. })));
}

#[test]
fn a_switch_with_more_than_a_thousand_lines_calls_its_last_one() {
    let mut t = Topology::default_fig1();
    let extra: Vec<String> = (0..1500).map(|i| format!("20155{:05}", 20_000 + i)).collect();
    let last = extra.last().cloned().unwrap();
    let sw = t.ssp.iter_mut().find(|s| s.get_ref().name == "SSP-A").unwrap().get_mut();
    sw.lines.extend(extra);
    call_2125550143_from(&mut t, &last);
}

/// `from` calls 2125550143 (answers after 4 s) on `t` and is connected.
fn call_2125550143_from(t: &mut Topology, from: &str) -> Network {
    t.phone_mut(from).calls.push(PlacedCall {
        at: Duration::from_millis(100),
        to: "2125550143".into(),
        holding: Some(Duration::from_secs(2)),
        give_up_after: Some(Duration::from_secs(60)),
    });
    let mut net = t.plan(None).unwrap().simulate(7).unwrap();
    net.sim.start();
    net.sim.run_for(Duration::from_secs(30));
    let caller = net.sim.element::<Phone>(net.phone(from).unwrap()).unwrap();
    assert!(caller.saw(&LineSignal::Connected), "{from}: {:?}", caller.log());
    net
}

fn err(text: &str) -> TopologyError {
    match Topology::parse(text, "t.toml") {
        Err(e) => e,
        Ok(t) => t.plan(None).expect_err("the topology is refused"),
    }
}

#[test]
fn errors_name_the_file_line_and_field() {
    let e = err("name = \"x\"\n[[ssp]]\nname = \"A\"\npoint_code = \"1-1-999\"\n");
    assert_eq!(e.file, "t.toml");
    assert_eq!(e.line, Some(4), "{e}");
    assert!(e.field.contains("point_code"), "{e}");
    assert!(e.message.contains("1-1-999"), "{e}");

    let e = err("[[ssp]]\nname = \"A\"\npoint_code = 1\ncolour = \"red\"\n");
    assert_eq!(e.line, Some(4), "{e}");
    assert!(e.message.contains("colour"), "{e}");

    let e = err("[[ssp]]\nname = \"A\"\n");
    assert!(e.message.contains("point_code"), "{e}");

    let e = err(
        "[[ssp]]\nname = \"A\"\npoint_code = 1\n\n[[trunk_group]]\nbetween = [\"A\", \"Z\"]\ncircuits = 2\n",
    );
    assert_eq!(e.line, Some(6), "{e}");
    assert!(e.to_string().starts_with("t.toml:6: trunk_group[0] between: \"Z\" is not a switch"), "{e}");

    let e = err("[[ssp]]\nname = \"A\"\npoint_code = 1\nlines = [\"12a\"]\n");
    assert!(e.field.contains("lines[0]"), "{e}");

    let e = err("[[ssp]]\nname = \"A\"\npoint_code = 1\n[[ssp]]\nname = \"B\"\npoint_code = 1\n");
    assert!(e.message.contains("already A's"), "{e}");

    let e = err("[[ssp]]\nname = \"A\"\npoint_code = 1\n[[phone]]\nnumber = \"5\"\n");
    assert!(e.message.contains("has no line"), "{e}");

    let e = err("[[ssp]\n");
    assert_eq!(e.line, Some(1), "{e}");

    let e = err("[[ssp]]\nname = \"A\"\npoint_code = 1\ntimers = { t9 = \"soon\" }\n");
    assert!(e.field.contains("timers"), "{e}");
}
