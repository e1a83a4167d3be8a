//! The toy corpus: seven four-word sentences, and messages with masked positions.

// ANCHOR: corpus
/// The tutorial's seven sentences. Introduced in chapter "Mashing everything".
pub const SENTENCES: [[&str; 4]; 7] = [
    ["The", "cat", "is", "black"],
    ["The", "cat", "is", "white"],
    ["The", "cat", "is", "sleepy"],
    ["The", "cat", "was", "sleepy"],
    ["The", "dog", "is", "black"],
    ["The", "dog", "is", "brown"],
    ["Your", "cat", "is", "black"],
];
// ANCHOR_END: corpus

/// Sentence length.
pub const LENGTH: usize = 4;

/// A message: each position holds a word index or is masked (`None`, written `_`).
pub type Message = [Option<usize>; LENGTH];

/// Every word of the corpus, in order of first appearance.
pub fn vocabulary() -> Vec<&'static str> {
    let mut words: Vec<&str> = Vec::new();
    for w in SENTENCES.iter().flatten() {
        if !words.contains(w) {
            words.push(w);
        }
    }
    words
}

/// The corpus as messages with nothing masked.
pub fn sentences() -> Vec<Message> {
    let vocab = vocabulary();
    SENTENCES
        .iter()
        .map(|s| s.map(|w| Some(vocab.iter().position(|v| *v == w).expect("in vocabulary"))))
        .collect()
}

/// `(The, cat, _, black)`; with `truncate`, trailing masks are dropped: `(The, cat)`.
pub fn label(message: &Message, truncate: bool) -> String {
    let vocab = vocabulary();
    let mut words: Vec<&str> = message
        .iter()
        .map(|w| w.map_or("_", |i| vocab[i]))
        .collect();
    if truncate {
        while words.last() == Some(&"_") {
            words.pop();
        }
    }
    format!("({})", words.join(", "))
}
