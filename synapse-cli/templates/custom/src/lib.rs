//! {{description}}
//!
//! `main` is the plugin's action: replace its params, its result and its body with yours.

use synapse::prelude::*;

synapse::plugin!(name = "{{name}}", category = Custom, description = "{{description}}");

/// What `main` takes.
#[params]
#[derive(Debug, Clone)]
pub struct MainParams {
    /// The text to work on
    #[param(length(min = 1))]
    pub text: String,
    /// How many times to repeat it
    #[param(default = 1, range(min = 1, max = 100))]
    pub repeat: u32,
}

/// What `main` gives back.
#[output]
#[derive(Debug, Clone, PartialEq)]
pub struct MainResult {
    /// The text, repeated.
    pub output: String,
    /// Its words, counted.
    pub words: u64,
}

/// Repeats a text and counts its words.
#[action(name = "main", method = Task, category = Custom)]
pub struct Main;

impl Action for Main {
    type Params = MainParams;
    type Output = MainResult;

    async fn execute(&self, params: MainParams, ctx: &Context) -> Result<MainResult> {
        let parts: Vec<&str> = (0..params.repeat).map(|_| params.text.as_str()).collect();
        let output = parts.join(" ");
        let words = output.split_whitespace().count() as u64;
        ctx.set_metrics(metrics! { words: words }, "main");
        ctx.log_message(format!("{words} words"), LogLevel::Success);
        Ok(MainResult { output, words })
    }
}
