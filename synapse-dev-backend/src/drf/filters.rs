//! Query filters, as `django-filter` reads them on the v1 list routes: the values of a
//! parameter, and its 400 `{"<name>": ["<message>"]}` when one does not fit.

use super::ApiError;
use super::fields::FieldErrors;

/// django-filter's message for a `NumberFilter` that got something else.
pub(crate) const NOT_A_NUMBER: &str = "Enter a whole number.";

/// Every value of `name` in `query` (repeated keys and comma-separated values both count),
/// trimmed, empty ones dropped (django-filter ignores an empty filter).
pub(crate) fn values(query: Option<&str>, name: &str) -> Vec<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(key, _)| key == name)
        .flat_map(|(_, value)| value.split(',').map(|part| part.trim().to_owned()).collect::<Vec<_>>())
        .filter(|value| !value.is_empty())
        .collect()
}

/// The integers of `name`; 400 `{"<name>": ["Enter a whole number."]}` when one is not.
pub(crate) fn integers(query: Option<&str>, name: &str) -> Result<Vec<i64>, ApiError> {
    values(query, name)
        .iter()
        .map(|value| value.parse::<i64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| invalid(name, NOT_A_NUMBER))
}

/// The last integer of `name`, if any (Django's `QueryDict.get`).
pub(crate) fn integer(query: Option<&str>, name: &str) -> Result<Option<i64>, ApiError> {
    integers(query, name).map(|values| values.last().copied())
}

/// The last value of `name`, which must be one of `choices`; django-filter's `ChoiceFilter`
/// message otherwise.
pub(crate) fn choice(query: Option<&str>, name: &str, choices: &[&str]) -> Result<Option<String>, ApiError> {
    match values(query, name).pop() {
        None => Ok(None),
        Some(value) if choices.contains(&value.as_str()) => Ok(Some(value)),
        Some(value) => {
            Err(invalid(name, &format!("Select a valid choice. {value} is not one of the available choices.")))
        }
    }
}

/// 400 with `message` on `name`.
pub(crate) fn invalid(name: &str, message: &str) -> ApiError {
    let mut errors = FieldErrors::default();
    errors.add(name, message);
    ApiError::fields(errors.into_map())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_comma_separated() {
        assert_eq!(integers(Some("v=1&v=2,3&x=9&v="), "v").ok(), Some(vec![1, 2, 3]));
        assert!(integers(Some("v=one"), "v").is_err());
        assert_eq!(choice(Some("c=train"), "c", &["train"]).ok(), Some(Some("train".to_owned())));
        assert!(choice(Some("c=valid"), "c", &["train"]).is_err());
        assert_eq!(integer(None, "v").ok(), Some(None));
    }
}
