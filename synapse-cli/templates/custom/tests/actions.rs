//! The actions, run as the platform runs them.

mod support;

use synapse::json;

#[test]
fn main_repeats_the_text_and_counts_its_words() {
    let result = support::run("main", json!({"text": "hello world", "repeat": 2}));
    assert_eq!(result, json!({"output": "hello world hello world", "words": 4}));
}

#[test]
fn main_refuses_an_empty_text() {
    let error = support::refused("main", json!({"text": ""}));
    assert!(error.contains("text"), "{error}");
}
