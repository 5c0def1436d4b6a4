//! What `synapse new` asks on a terminal when the command line does not say it.

use crate::error::CliError;
use dialoguer::{Input, Select};
use synapse::Category;

/// The plugin's name, asked until `check` accepts it.
pub fn name(check: fn(&str) -> Result<&str, CliError>) -> Result<String, CliError> {
    Input::<String>::new()
        .with_prompt("Plugin name (its crate name and plugin code)")
        .validate_with(|input: &String| check(input).map(|_| ()).map_err(|error| error.to_string()))
        .interact_text()
        .map_err(|source| CliError::Prompt { what: "the plugin's name", source })
}

/// The plugin's category, chosen from the list.
pub fn category() -> Result<Category, CliError> {
    let items: Vec<String> = Category::ALL.iter().map(|category| category.as_str().to_owned()).collect();
    let chosen = Select::new()
        .with_prompt("Category")
        .items(&items)
        .default(items.len() - 1)
        .interact()
        .map_err(|source| CliError::Prompt { what: "the plugin's category", source })?;
    Ok(Category::ALL.get(chosen).copied().unwrap_or(Category::Custom))
}
