//! `work` against the test vectors every language checks (`harness/spec/work.json`).

use cookbook::work::{hex, work};
use serde_json::Value;

#[test]
fn work_matches_every_vector() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../harness/spec/work.json");
    let text = std::fs::read_to_string(path).expect("read work.json");
    let vectors: Value = serde_json::from_str(&text).expect("parse work.json");
    let vectors = vectors["vectors"].as_array().expect("a list of vectors");
    assert!(!vectors.is_empty());
    for vector in vectors {
        let seed = vector["seed"].as_u64().expect("seed");
        let n = vector["n"].as_u64().expect("n");
        let expected = vector["value"].as_str().expect("value");
        assert_eq!(hex(work(seed, n)), expected, "work({seed}, {n})");
    }
}

#[test]
fn hex_is_sixteen_lowercase_digits() {
    assert_eq!(hex(0), "0000000000000000");
    assert_eq!(hex(u64::MAX), "ffffffffffffffff");
    assert_eq!(hex(0xAB), "00000000000000ab");
}
