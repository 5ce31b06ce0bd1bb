//! Cross-checks Handover's own JSON reader and writer (src/json.rs) against serde_json, which the
//! page no longer carries but the tests still may.
//!
//! - Any value serde_json writes, we read back to the same value (numbers compared as serde_json
//!   reads our number text), and what we write serde_json reads back to the same value, compact
//!   and pretty.
//! - Any text, random or a byte-level edit of valid JSON: we accept exactly what serde_json
//!   accepts, and then read the same value. The one known difference: serde_json refuses a number
//!   beyond f64 range (`1e400`), which we keep as text; such texts are skipped.
//!
//! A long run: `HANDOVER_FUZZ_CASES=200000 cargo test -p handover --release --test fuzz_json`.
#![cfg(not(target_arch = "wasm32"))]

use handover::json::{self, Value};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

fn fuzz_config() -> ProptestConfig {
    let cases = std::env::var("HANDOVER_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Our value as a serde_json value: numbers as serde_json reads their text, members inserted in
/// order (so the last of a repeated name wins, as in serde_json).
fn to_serde(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => serde_json::from_str(n.as_str()).expect("our number text is JSON"),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Array(items) => serde_json::Value::Array(items.iter().map(to_serde).collect()),
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m.iter() {
                out.insert(k.clone(), to_serde(v));
            }
            serde_json::Value::Object(out)
        }
    }
}

/// Strings with what a JSON string must escape, and characters beyond the BMP.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\"\\\\/\u{0}-\u{1f}\u{7f}\u{2028}\u{2029}<>&é😀a-z]{0,12}",
    ]
}

fn number() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
    ]
}

fn any_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        number(),
        text().prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
            prop::collection::vec((text(), inner), 0..8)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Valid JSON with a byte-level edit, or random text, or JSON-ish fragments.
fn any_text() -> impl Strategy<Value = String> {
    let edited = (
        any_json(),
        any::<usize>(),
        0usize..4,
        any::<u8>(),
        "[\\[\\]{},:\"\\\\ .eE+-0-9a-z]{0,3}",
    )
        .prop_map(|(v, at, kind, byte, insert)| {
            let mut b = if at % 2 == 0 {
                serde_json::to_string(&v)
            } else {
                serde_json::to_string_pretty(&v)
            }
            .expect("serde_json writes")
            .into_bytes();
            let i = if b.is_empty() { 0 } else { at % (b.len() + 1) };
            match kind {
                0 => b.truncate(i),
                1 => {
                    b.splice(i..i, insert.bytes());
                }
                2 => {
                    let end = (i + 1).min(b.len());
                    b.drain(i..end);
                }
                _ => {
                    if let Some(x) = b.get_mut(i) {
                        *x ^= byte;
                    }
                }
            }
            String::from_utf8_lossy(&b).into_owned()
        });
    prop_oneof![
        4 => edited,
        1 => any::<String>(),
        2 => "[ \\[\\]{},:\"\\\\tfnrue0-9.eE+-]{0,24}",
        1 => "\"(\\\\u[dD][89abAB][0-9a-fA-F]{2}|\\\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\\\u00[0-9a-f]{2}|[a-z]){0,4}\"",
    ]
}

proptest! {
    #![proptest_config(fuzz_config())]

    /// What serde_json writes we read to the same value; what we write serde_json reads back.
    #[test]
    fn round_trips_with_serde_json(v in any_json(), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_string_pretty(&v)
        } else {
            serde_json::to_string(&v)
        }
        .expect("serde_json writes");
        // serde_json's own reading of its text: without its float_roundtrip feature it may read
        // a float back one unit off, and we compare readings of the same text.
        let v: serde_json::Value = serde_json::from_str(&text).expect("serde_json reads");
        let ours = json::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&to_serde(&ours), &v);
        // We write numbers as they were written, so serde_json reads them the same way again.
        for written in [ours.to_json(), ours.to_json_pretty()] {
            let back: serde_json::Value = serde_json::from_str(&written)
                .map_err(|e| TestCaseError::fail(format!("{written}: {e}")))?;
            prop_assert_eq!(&back, &v);
            prop_assert_eq!(&json::parse(&written).expect("ours reads ours"), &ours);
        }
    }

    /// Same accept/reject as serde_json on any text, and the same value when accepted.
    #[test]
    fn accepts_what_serde_json_accepts(text in any_text()) {
        let theirs = serde_json::from_str::<serde_json::Value>(&text);
        let ours = json::parse(&text);
        match (&theirs, &ours) {
            (Ok(t), Ok(o)) => prop_assert_eq!(&to_serde(o), t, "{}", text),
            (Err(e), Ok(_)) if e.to_string().contains("number out of range") => {}
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "{:?}: serde_json {:?}, ours {:?}", text, theirs, ours),
        }
    }
}

/// Nesting: both refuse what is too deep for the stack, and both read 100 levels.
#[test]
fn nesting_limits_agree_where_it_matters() {
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    for n in [1, 100, 127] {
        assert!(json::parse(&nested(n)).is_ok(), "{n}");
        assert!(
            serde_json::from_str::<serde_json::Value>(&nested(n)).is_ok(),
            "{n}"
        );
    }
    for n in [200, 100_000] {
        assert!(json::parse(&nested(n)).is_err(), "{n}");
        assert!(
            serde_json::from_str::<serde_json::Value>(&nested(n)).is_err(),
            "{n}"
        );
    }
}
