use synapse::prelude::*;

/// How thoroughly to check.
#[params]
pub enum Mode {
    Fast,
    Thorough,
}

#[params]
pub struct Augmentation {
    #[param(default, range(min = 0.0, max = 1.0))]
    pub flip_probability: f64,
}

#[params]
pub struct TrainParams {
    pub mode: Mode,
    pub augmentation: Augmentation,
    #[param(length(max = 8), example = json!(["a", "b"]))]
    pub tags: Vec<String>,
    #[param(pattern = "^[a-z]+$", rename = "run-name", description = "The run's name.")]
    pub run_name: Option<String>,
}

fn main() {
    let params =
        TrainParams::parse(json!({"mode": "thorough", "augmentation": {}, "tags": ["x"], "run-name": "abc"})).unwrap();
    assert!(matches!(params.mode, Mode::Thorough));
    assert_eq!(params.augmentation.flip_probability, 0.0);
    let schema = TrainParams::json_schema();
    assert_eq!(schema["properties"]["tags"]["maxItems"], 8);
}
