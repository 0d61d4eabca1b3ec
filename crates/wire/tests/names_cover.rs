//! Every code point a lab engineer reads in the examples of every codec has
//! a name: the examples are realistic traffic, so a field in this list that
//! comes out unnamed is a hole in `names.rs` (or an example gone odd).
#![allow(clippy::unwrap_used)]

use ainsim_wire::names::{describe, describe_name, At, Code};
use ainsim_wire::stack::{Frame, Start};
use ainsim_wire::{isup, m3ua, mtp2, mtp3, sccp, tcap, Variant};
use serde_json::Value;

/// (parent key or "*", field): numbers that must be named wherever they appear.
const MUST: &[(&str, &str)] = &[
    ("mtp3", "si"),
    ("mtp3", "ni"),
    ("protocol_data", "si"),
    ("protocol_data", "ni"),
    ("upu", "user"),
    ("upu", "cause"),
    ("user_cause", "user"),
    ("user_cause", "cause"),
    ("status", "status_type"),
    ("status", "status_info"),
    ("protocol_class", "class"),
    ("global_title", "numbering_plan"),
    ("global_title", "nature_of_address"),
    ("sccp", "refusal_cause"),
    ("sccp", "release_cause"),
    ("sccp", "reset_cause"),
    ("sccp", "error_cause"),
    ("*", "calling_partys_category"),
    ("*", "transmission_medium_requirement"),
    ("*", "nature_of_address"),
    ("*", "nature_of_number"),
    ("*", "numbering_plan"),
    ("calling_party_number", "screening"),
    ("calling_party_number", "presentation"),
    ("cause_indicators", "value"),
    ("cause_indicators", "location"),
    ("cause_indicators", "coding_standard"),
    ("event_information", "event"),
    ("continuity_indicators", "continuity"),
    ("redirection_information", "redirecting_indicator"),
    ("redirection_information", "redirecting_reason"),
    ("forward_call_indicators", "isup_preference"),
    ("backward_call_indicators", "charge"),
    ("backward_call_indicators", "called_party_status"),
    ("nature_of_connection_indicators", "satellite"),
    ("information_indicators", "calling_party_address_response"),
    ("unknown", "code"),
    ("opcode", "local"),
    ("opcode", "private"),
    ("opcode", "national"),
    ("error_code", "local"),
    ("*", "p_abort_cause"),
    ("abort_cause", "p_abort"),
    ("*", "problem_code"),
    ("*", "problem"),
];

/// (parent or "*", field): names the codecs give that must expand.
const MUST_NAMED: &[(&str, &str)] = &[
    ("lssu", "status"),
    ("sccp", "type"),
    ("sccp", "return_cause"),
    ("m3ua", "message"),
    ("*", "error_code"),
    ("global_title", "form"),
    ("*", "routing"),
];

fn listed(list: &[(&str, &str)], parent: &str, field: &str) -> bool {
    list.iter().any(|&(p, f)| f == field && (p == "*" || p == parent))
}

/// Walks the JSON and returns every listed field left unnamed.
fn unnamed(v: &Value, variant: Variant, path: &mut Vec<String>, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            let siblings: Vec<(&str, Code<'_>)> = map
                .iter()
                .filter_map(|(k, v)| match v {
                    Value::Number(n) => n.as_u64().map(|n| (k.as_str(), Code::Num(n))),
                    Value::String(s) => Some((k.as_str(), Code::Name(s.as_str()))),
                    _ => None,
                })
                .collect();
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            let at = At { variant, path: &p, siblings: &siblings };
            let parent = at.parent();
            for (k, child) in map {
                let missing = match child {
                    Value::Number(n) => {
                        listed(MUST, parent, k) && n.as_u64().is_some_and(|n| describe(&at, k, n).is_none())
                    }
                    Value::String(s) => {
                        // The M3UA error code is a name; elsewhere error_code is an object.
                        // A message type no codec knows is "unknown" and has its number beside it.
                        at.layer() != "tcap"
                            && s != "unknown"
                            && listed(MUST_NAMED, parent, k)
                            && describe_name(&at, k, s).is_none()
                    }
                    _ => false,
                };
                if missing {
                    out.push(format!("{} {k}: {child}", p.join(".")));
                }
            }
            for (k, child) in map {
                if child.is_object() || child.is_array() {
                    path.push(k.clone());
                    unnamed(child, variant, path, out);
                    path.pop();
                }
            }
        }
        Value::Array(items) => {
            for i in items {
                unnamed(i, variant, path, out);
            }
        }
        _ => {}
    }
}

fn frames(variant: Variant) -> Vec<(String, Frame)> {
    let mut f = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>, start: Start, fcs: bool| {
        let frame = Frame::decode(&bytes, start, variant, fcs).unwrap_or_else(|e| panic!("{name}: {e}"));
        f.push((format!("{variant} {name}"), frame));
    };
    for (n, r) in mtp2::examples(variant) {
        add(n, r.to_bytes().unwrap(), Start::Mtp2, true);
    }
    for (n, r) in mtp3::examples(variant) {
        add(n, r.to_bytes().unwrap(), Start::Mtp3, false);
    }
    for (n, r) in isup::examples(variant) {
        add(n, r.to_bytes().unwrap().into(), Start::Isup, false);
    }
    for (n, r) in sccp::examples(variant) {
        add(n, r.to_bytes(variant).unwrap(), Start::Sccp, false);
    }
    for (n, r) in tcap::examples(variant) {
        add(n, r.to_bytes().unwrap(), Start::Tcap, false);
    }
    if variant == Variant::Itu {
        for (n, r) in m3ua::examples() {
            add(n, r.to_bytes().unwrap(), Start::M3ua, false);
        }
    }
    f
}

#[test]
fn every_example_code_point_has_a_name() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for variant in [Variant::Itu, Variant::Ansi] {
        for (name, frame) in frames(variant) {
            let v = serde_json::to_value(&frame).unwrap();
            let mut out = Vec::new();
            unnamed(&v, variant, &mut Vec::new(), &mut out);
            missing.extend(out.into_iter().map(|m| format!("{name}: {m}")));
            checked += 1;
        }
    }
    assert!(checked > 200, "only {checked} example frames");
    assert!(missing.is_empty(), "unnamed code points:\n{}", missing.join("\n"));
}
