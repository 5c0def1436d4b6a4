use synapse::events::MessageCode;
use synapse::prelude::*;

#[messages]
pub enum TrainMessage {
    #[message(level = info, en = "Epoch {epoch} of {total}: loss {loss:.3}", ko = "에포크 {epoch}/{total}: 손실 {loss:.3}")]
    Epoch { epoch: u32, total: u32, loss: f64 },
    #[message(level = success, code = "TRAIN_DONE", en = "Training finished {{ok}}")]
    Done,
}

fn main() {
    let epoch = TrainMessage::Epoch { epoch: 2, total: 10, loss: 0.12345 };
    assert_eq!(epoch.text("en"), "Epoch 2 of 10: loss 0.123");
    assert_eq!(epoch.text("ko"), "에포크 2/10: 손실 0.123");
    assert_eq!(epoch.languages(), ["en", "ko"]);
    assert_eq!((TrainMessage::Done.key(), TrainMessage::Done.level()), ("TRAIN_DONE", LogLevel::Success));
    assert_eq!(TrainMessage::Done.text("en"), "Training finished {ok}");
}

/// A set of codes not written yet.
#[messages]
pub enum NoMessagesYet {}
