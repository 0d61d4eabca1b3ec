//! A readable tree of a decoded frame, drawn from its JSON form, the way a
//! protocol analyser shows it: one heading a layer (`ISUP (ITU) IAM CIC 23:
//! initial address`), one line a field, every code point with its meaning
//! next to the number (`value: 16 (normal call clearing)`), point codes also
//! dashed. Field order is the codec's (serde_json keeps it). Noise is left
//! out: empty fields, payloads already decoded above, zero spare bits, and
//! the variant inside each layer (the headings carry it).
//!
//! The names come from [`ainsim_wire::names`]; this module only walks the
//! JSON and lays it out.

use std::fmt::Write;

use ainsim_wire::names::{self, At, Code};
use ainsim_wire::{AinOpcode, InapOpcode, IsupMessageType, M3uaMessageType, PointCode, Variant};
use serde_json::{Map, Value};

/// Renders `v` (the JSON of a `stack::Frame`) as an indented tree.
pub(crate) fn render(v: &Value, variant: Variant) -> String {
    render_indented(v, variant, 0)
}

/// Renders `v` starting at indentation `depth`.
pub(crate) fn render_indented(v: &Value, variant: Variant, depth: usize) -> String {
    let mut t = Tree { out: String::new(), variant, inap_codes: inap_context(v) };
    match v {
        Value::Object(map) => t.frame(map, depth),
        other => t.walk(&mut Vec::new(), None, other, depth),
    }
    t.out
}

/// Wrappers whose members read better one level up: an ISUP body and its
/// parameter list, M3UA and AIN parameter lists, an INAP argument's SEQUENCE
/// and its elements.
const TRANSPARENT: [&str; 6] = ["body", "parameters", "params", "argument", "sequence", "elements"];

/// The layers of a frame, outermost first.
const LAYERS: [&str; 9] = ["mtp2", "mtp3", "m3ua", "snm", "slt", "isup", "sccp", "tcap", "operations"];

struct Tree {
    out: String,
    variant: Variant,
    /// Whether ITU TCAP local operation and error codes are INAP's: no
    /// application context (pre-arranged, by SSN) or an INAP/CAMEL one.
    /// MAP's codes mean something else, so they stay unnamed.
    inap_codes: bool,
}

impl Tree {
    fn line(&mut self, depth: usize, text: &str) {
        let _ = writeln!(self.out, "{}{text}", "  ".repeat(depth));
    }

    fn variant_tag(&self) -> &'static str {
        match self.variant {
            Variant::Itu => "ITU",
            Variant::Ansi => "ANSI",
        }
    }

    fn pc(&self, v: &Value) -> String {
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map_or_else(|| scalar(v), |n| PointCode(n).display(self.variant))
    }

    /// A whole frame: each layer under its heading, in stack order.
    fn frame(&mut self, map: &Map<String, Value>, depth: usize) {
        for layer in LAYERS {
            let Some(v) = map.get(layer) else { continue };
            let mut path = vec![layer.to_string()];
            match layer {
                "operations" => {
                    for op in v.as_array().into_iter().flatten() {
                        self.operation(op, depth);
                    }
                }
                "tcap" => {
                    // {"itu": {...}} or {"ansi": {...}}: one heading for both levels.
                    let (flavour, body) = single(v).unwrap_or(("", v));
                    path.push(flavour.to_string());
                    let heading = self.tcap_heading(flavour, body);
                    self.line(depth, &heading);
                    self.fields(&mut path, body, depth + 1, &["type", "otid", "dtid", "transaction_id"]);
                }
                _ => {
                    let heading = self.heading(layer, v);
                    self.line(depth, &heading);
                    let skip: &[&str] = match layer {
                        "isup" => &["message_type", "cic"],
                        "sccp" => &["type"],
                        "m3ua" => &["message"],
                        _ => &[],
                    };
                    match layer {
                        // The message's own object holds its fields: {"message": {"tfp": {...}}}.
                        "snm" | "slt" => {
                            let holder = if layer == "snm" { v.get("message") } else { Some(v) };
                            if let Some((name, body)) = holder.and_then(single) {
                                path.push(name.to_string());
                                self.fields(&mut path, body, depth + 1, &[]);
                            }
                        }
                        _ => self.fields(&mut path, v, depth + 1, skip),
                    }
                }
            }
        }
        // Anything else a caller added (a pcap frame number, say), after the layers.
        for (k, v) in map {
            if LAYERS.contains(&k.as_str()) || matches!(k.as_str(), "variant" | "start" | "fcs") {
                continue;
            }
            self.walk(&mut Vec::new(), Some(k), v, depth);
        }
    }

    fn heading(&self, layer: &str, v: &Value) -> String {
        let vt = self.variant_tag();
        match layer {
            "mtp2" => match v.get("unit") {
                Some(Value::String(u)) => format!("MTP2 {}", u.to_uppercase()),
                Some(u) => match single(u) {
                    Some(("lssu", l)) => {
                        let status = l.get("status").map(scalar).unwrap_or_default();
                        format!("MTP2 LSSU {}", status.to_uppercase())
                    }
                    Some((name, _)) => format!("MTP2 {}", name.to_uppercase()),
                    None => "MTP2".into(),
                },
                None => "MTP2".into(),
            },
            "mtp3" => {
                let si = v.get("si").and_then(Value::as_u64).unwrap_or(0);
                let si_name = names::service_indicator(si, self.variant).unwrap_or("unknown user part");
                let opc = v.get("opc").map(|p| self.pc(p)).unwrap_or_default();
                let dpc = v.get("dpc").map(|p| self.pc(p)).unwrap_or_default();
                format!("MTP3 ({vt}) OPC {opc} -> DPC {dpc}, SI {si} {si_name}")
            }
            "m3ua" => {
                let m = v.get("message").cloned().unwrap_or(Value::Null);
                let at = At { variant: self.variant, path: &["m3ua"], siblings: &[] };
                let long = m.as_str().and_then(|s| names::describe_name(&at, "message", s));
                match (serde_json::from_value::<M3uaMessageType>(m), long) {
                    (Ok(t), Some(n)) => format!("M3UA {}: {}", t.name(), n.text),
                    (Ok(t), None) => format!("M3UA class {} type {}", t.class(), t.msg_type()),
                    (Err(_), _) => "M3UA".into(),
                }
            }
            "snm" | "slt" => {
                let (name, body) = match layer {
                    "snm" => match v.get("message") {
                        Some(Value::String(s)) => (s.as_str(), None),
                        Some(m) => single(m).map_or(("unknown", None), |(n, b)| (n, Some(b))),
                        None => ("unknown", None),
                    },
                    _ => single(v).map_or(("unknown", None), |(n, b)| (n, Some(b))),
                };
                let long = names::snm_message(name).map(|t| format!(": {t}")).unwrap_or_default();
                let dest = body
                    .and_then(|b| b.get("dest"))
                    .map(|d| format!(", destination {}", self.pc(d)))
                    .unwrap_or_default();
                let what = if layer == "snm" { "SNM" } else { "SLT" };
                format!("{what} ({vt}) {}{long}{dest}", name.to_uppercase())
            }
            "isup" => {
                let t = v.get("message_type").cloned().unwrap_or(Value::Null);
                let cic = v.get("cic").map(scalar).unwrap_or_default();
                match serde_json::from_value::<IsupMessageType>(t) {
                    Ok(IsupMessageType::Unknown(c)) => {
                        format!("ISUP ({vt}) message type 0x{c:02x} CIC {cic}")
                    }
                    Ok(m) => format!("ISUP ({vt}) {} CIC {cic}: {}", m.acronym(), m.long_name()),
                    Err(_) => format!("ISUP ({vt}) CIC {cic}"),
                }
            }
            "sccp" => {
                let t = v.get("type").map(scalar).unwrap_or_default();
                let at = At { variant: self.variant, path: &["sccp"], siblings: &[] };
                let class = v
                    .pointer("/protocol_class/class")
                    .map(|c| format!(", class {}", scalar(c)))
                    .unwrap_or_default();
                match names::describe_name(&at, "type", &t) {
                    Some(n) => {
                        let (acro, long) = n.text.split_once(", ").unwrap_or((n.text, ""));
                        format!("SCCP ({vt}) {acro}: {long}{class}")
                    }
                    None => match v.get("message_type").and_then(Value::as_u64) {
                        Some(c) => format!("SCCP ({vt}) message type 0x{c:02x}: unknown"),
                        None => format!("SCCP ({vt}) {t}"),
                    },
                }
            }
            other => other.to_uppercase(),
        }
    }

    fn tcap_heading(&self, flavour: &str, body: &Value) -> String {
        let t = body.get("type").map(scalar).unwrap_or_default();
        let mut h = format!("TCAP ({}) {}", flavour.to_uppercase(), camel(&t));
        for (k, label) in [("otid", "otid"), ("dtid", "dtid"), ("transaction_id", "tid")] {
            if let Some(id) = body.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()) {
                let _ = write!(h, " {label} {id}");
            }
        }
        h
    }

    /// One decoded AIN or INAP operation, under a heading naming it.
    fn operation(&mut self, op: &Value, depth: usize) {
        let component = op.get("component").map(scalar).unwrap_or_default();
        let (family, body) =
            ["inap", "ain"].into_iter().find_map(|f| op.get(f).map(|b| (f, b))).unwrap_or(("", &Value::Null));
        let opcode = body.get("opcode").cloned().unwrap_or(Value::Null);
        let heading = match family {
            "inap" => match serde_json::from_value::<InapOpcode>(opcode.clone()) {
                Ok(o) => format!("INAP {} (opcode {}), component {component}", o.name(), o.code()),
                Err(_) => format!("INAP {}, component {component}", scalar(&opcode)),
            },
            "ain" => match serde_json::from_value::<AinOpcode>(opcode.clone()) {
                Ok(o) => format!("AIN 0.2 {} (opcode 0x{:04x}), component {component}", o.name(), o.code()),
                Err(_) => format!("AIN 0.2 {}, component {component}", scalar(&opcode)),
            },
            _ => format!("operation, component {component}"),
        };
        self.line(depth, &heading);
        let mut path = vec!["operations".to_string(), family.to_string()];
        self.fields(&mut path, body, depth + 1, &["opcode"]);
    }

    /// The fields of an object, each on its line or under its own heading.
    fn fields(&mut self, path: &mut Vec<String>, v: &Value, depth: usize, skip: &[&str]) {
        let Value::Object(map) = v else {
            self.walk(path, None, v, depth);
            return;
        };
        let siblings: Vec<(&str, Code<'_>)> = map
            .iter()
            .filter_map(|(k, v)| match v {
                Value::Number(n) => n.as_u64().map(|n| (k.as_str(), Code::Num(n))),
                Value::String(s) => Some((k.as_str(), Code::Name(s.as_str()))),
                _ => None,
            })
            .collect();
        for (k, child) in map {
            if skip.contains(&k.as_str()) || k == "variant" || noise(k, child) {
                continue;
            }
            if child.is_object() || child.is_array() {
                self.walk(path, Some(k), child, depth);
            } else {
                let text = self.scalar_line(path, &siblings, k, child);
                self.line(depth, &text);
            }
        }
    }

    /// `key: value (meaning)`.
    fn scalar_line(&self, path: &[String], siblings: &[(&str, Code<'_>)], k: &str, v: &Value) -> String {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        let at = At { variant: self.variant, path: &p, siblings };
        let layer = p.first().copied().unwrap_or("");
        let parent = p.last().copied().unwrap_or("");
        if is_pc_key(layer, k) {
            if let Some(n) = v.as_u64() {
                return format!("{k}: {n} ({})", self.pc(v));
            }
        }
        match v {
            Value::Number(n) => {
                let Some(n) = n.as_u64() else { return format!("{k}: {v}") };
                // Codes the specs write in hex: ANSI opcodes, error codes, problems; M3UA tags.
                let hex = matches!(
                    (parent, k),
                    ("opcode" | "error_code", "private" | "national") | ("unknown", "tag")
                ) || (k == "problem" && layer == "tcap");
                let shown = if hex { format!("0x{n:04x}") } else { n.to_string() };
                let foreign = k == "local" && matches!(parent, "opcode" | "error_code") && !self.inap_codes;
                match names::describe(&at, k, n).filter(|_| !foreign) {
                    Some(name) => format!("{k}: {shown} ({name})"),
                    None => format!("{k}: {shown}"),
                }
            }
            Value::String(s) => match names::describe_name(&at, k, s) {
                Some(named) => match named.code {
                    Some(c) => format!("{k}: {c} ({})", named.text),
                    None => format!("{k}: {s} ({})", named.text),
                },
                None => format!("{k}: {s}"),
            },
            other => format!("{k}: {}", scalar(other)),
        }
    }

    fn walk(&mut self, path: &mut Vec<String>, key: Option<&str>, v: &Value, depth: usize) {
        if let Some(k) = key.filter(|k| TRANSPARENT.contains(k)) {
            // A wrapper that adds nothing: its members at its own depth.
            path.push(k.to_string());
            match v {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.element(path, i, item, depth);
                    }
                }
                _ => self.fields(path, v, depth, &[]),
            }
            path.pop();
            return;
        }
        match v {
            Value::Object(map) => {
                if map.values().all(|c| noise("", c)) {
                    return;
                }
                if let (Some(k), Some((inner, iv))) = (key, single(v)) {
                    // {"components": {"components": [...]}}: one level is enough.
                    if inner == k {
                        return self.walk(path, key, iv, depth);
                    }
                    path.push(k.to_string());
                    if !iv.is_object() && !iv.is_array() {
                        // {"opcode": {"local": 32}}: `opcode: local 32 (initiateCallAttempt)`.
                        let text = self.scalar_line(path, &[], inner, iv);
                        let line = match text.split_once(": ") {
                            Some((name, rest)) => format!("{k}: {name} {rest}"),
                            None => format!("{k}: {text}"),
                        };
                        self.line(depth, &line);
                    } else {
                        // {"called_party_id": {"digits": {...}}}: `called_party_id: digits`.
                        self.line(depth, &format!("{k}: {inner}"));
                        path.push(inner.to_string());
                        match iv {
                            Value::Array(items) => {
                                for (i, item) in items.iter().enumerate() {
                                    self.element(path, i, item, depth + 1);
                                }
                            }
                            _ => self.fields(path, iv, depth + 1, &[]),
                        }
                        path.pop();
                    }
                    path.pop();
                    return;
                }
                let next = match key {
                    Some(k) => {
                        self.line(depth, k);
                        path.push(k.to_string());
                        depth + 1
                    }
                    None => depth,
                };
                self.fields(path, v, next, &[]);
                if key.is_some() {
                    path.pop();
                }
            }
            Value::Array(items) => {
                let k = key.unwrap_or("");
                if items.iter().all(|i| !i.is_object() && !i.is_array()) {
                    let list: Vec<String> = items.iter().map(scalar).collect();
                    self.line(depth, &format!("{k}: [{}]", list.join(", ")));
                    return;
                }
                if !k.is_empty() {
                    self.line(depth, k);
                    path.push(k.to_string());
                }
                for (i, item) in items.iter().enumerate() {
                    self.element(path, i, item, depth + usize::from(!k.is_empty()));
                }
                if !k.is_empty() {
                    path.pop();
                }
            }
            _ => {
                let text = self.scalar_line(path, &[], key.unwrap_or(""), v);
                self.line(depth, &text);
            }
        }
    }

    /// One element of a list: a one-key object (an ISUP or M3UA parameter)
    /// under that key; a named AIN/INAP element under its name; a TCAP
    /// component under its type; anything else under its position.
    fn element(&mut self, path: &mut Vec<String>, i: usize, item: &Value, depth: usize) {
        if let Some(("known", inner)) = single(item) {
            let name = inner.get("field").or_else(|| inner.get("param")).and_then(Value::as_str);
            if let (Some(name), Some(value)) = (name, inner.get("value")) {
                return self.walk(path, Some(name), value, depth);
            }
        }
        if let Some((k, inner)) = single(item) {
            return self.walk(path, Some(k), inner, depth);
        }
        let label = match item.get("type").and_then(Value::as_str) {
            Some(t) => format!("[{i}] {}", t.replace('_', " ")),
            None => format!("[{i}]"),
        };
        self.line(depth, &label);
        self.fields(path, item, depth + 1, &["type"]);
    }
}

/// Whether the frame's ITU TCAP dialogue (if any) names an INAP or CAMEL
/// application context, or none at all; the same test the stack uses
/// before decoding operations as INAP.
fn inap_context(frame: &Value) -> bool {
    let Some(pdu) = frame.pointer("/tcap/itu/dialogue/pdu").and_then(single).map(|(_, p)| p) else {
        return true;
    };
    match pdu.get("application_context").and_then(Value::as_str) {
        None => true,
        Some(ac) => {
            ac.starts_with("0.4.0.1.1.")
                || ["0.4.0.0.1.0.50.", "0.4.0.0.1.0.51.", "0.4.0.0.1.0.52."].iter().any(|p| ac.starts_with(p))
        }
    }
}

/// The key and value of a one-key object.
fn single(v: &Value) -> Option<(&str, &Value)> {
    match v {
        Value::Object(m) if m.len() == 1 => m.iter().next().map(|(k, v)| (k.as_str(), v)),
        _ => None,
    }
}

/// Empty values, and spare bits that are zero.
fn noise(k: &str, v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        Value::Number(n) => (k.starts_with("spare") || k.ends_with("_spare")) && n.as_u64() == Some(0),
        Value::Bool(_) => false,
    }
}

fn is_pc_key(layer: &str, k: &str) -> bool {
    matches!(k, "dpc" | "opc" | "pc" | "point_code" | "affected_pc" | "destination" | "concerned_destination")
        || (layer == "snm" && k == "dest")
}

/// `query_with_perm` → `QueryWithPerm`, as the TCAP codecs name them.
fn camel(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}
