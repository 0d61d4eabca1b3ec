//! A readable tree of a decoded frame, drawn from its JSON form: one line a
//! field, nested layers indented, point codes also shown dashed.

use std::fmt::Write;

use ainsim_wire::{PointCode, Variant};
use serde_json::Value;

/// Renders `v` as an indented tree.
pub(crate) fn render(v: &Value, variant: Variant) -> String {
    render_indented(v, variant, 0)
}

/// Renders `v` starting at indentation `depth`.
pub(crate) fn render_indented(v: &Value, variant: Variant, depth: usize) -> String {
    let mut out = String::new();
    walk(&mut out, None, v, variant, depth);
    out
}

const LAYERS: [&str; 10] =
    ["mtp2", "mtp3", "m3ua", "snm", "slt", "isup", "sccp", "tcap", "operations", "variant"];

fn is_pc_key(k: &str) -> bool {
    matches!(k, "dpc" | "opc" | "pc" | "point_code" | "affected_pc" | "destination" | "concerned_destination")
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn walk(out: &mut String, key: Option<&str>, v: &Value, variant: Variant, depth: usize) {
    let pad = "  ".repeat(depth);
    match v {
        Value::Object(map) => {
            let next = if let Some(k) = key {
                let _ = writeln!(out, "{pad}{k}");
                depth + 1
            } else {
                depth
            };
            // Layers in stack order first, then the rest in the codec's field order.
            let mut keys: Vec<&String> = map.keys().collect();
            if key.is_none() {
                keys.sort_by_key(|k| LAYERS.iter().position(|l| l == k).unwrap_or(usize::MAX));
            }
            for k in keys {
                if key.is_none() && (k == "start" || k == "fcs") {
                    continue;
                }
                walk(out, Some(k), &map[k], variant, next);
            }
        }
        Value::Array(items) => {
            let k = key.unwrap_or("");
            if items.iter().all(|i| !i.is_object() && !i.is_array()) {
                let list: Vec<String> = items.iter().map(scalar).collect();
                let _ = writeln!(out, "{pad}{k}: [{}]", list.join(", "));
            } else {
                let _ = writeln!(out, "{pad}{k}");
                for (i, item) in items.iter().enumerate() {
                    walk(out, Some(&format!("[{i}]")), item, variant, depth + 1);
                }
            }
        }
        _ => {
            let k = key.unwrap_or("");
            let mut s = scalar(v);
            if is_pc_key(k) {
                if let Some(n) = v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                    s = format!("{n} ({})", PointCode(n).display(variant));
                }
            }
            let _ = writeln!(out, "{pad}{k}: {s}");
        }
    }
}
