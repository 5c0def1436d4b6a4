//! Where synapse keeps its caches on the machine (plugin packages, datasets, models): one rule
//! for every cache.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The directory of the cache that the environment variable `env` places: its value when set
/// (`off` or empty: no cache), else `$XDG_CACHE_HOME/synapse/<leaf>` (an absolute
/// `XDG_CACHE_HOME` only, as the XDG spec says), else `$HOME/.cache/synapse/<leaf>`; `None`
/// when none of these is set.
pub(crate) fn user_cache_dir(env: &str, leaf: &str) -> Option<PathBuf> {
    user_cache_dir_in(env, leaf, |name| std::env::var_os(name))
}

/// [`user_cache_dir`] in the environment `var`.
pub(crate) fn user_cache_dir_in(env: &str, leaf: &str, var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    match var(env) {
        Some(value) if value.is_empty() || value == "off" => None,
        Some(value) => Some(PathBuf::from(value)),
        None => {
            let base = var("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .filter(|path| path.is_absolute())
                .or_else(|| var("HOME").filter(|home| !home.is_empty()).map(|home| Path::new(&home).join(".cache")))?;
            Some(base.join("synapse").join(leaf))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_directory_comes_from_the_environment() {
        let dir = |vars: &[(&str, &str)]| {
            user_cache_dir_in("SYNAPSE_X_CACHE", "things", |name| {
                vars.iter().find(|(key, _)| *key == name).map(|(_, value)| OsString::from(value))
            })
        };
        let home = ("HOME", "/home/ada");
        assert_eq!(dir(&[home]), Some(PathBuf::from("/home/ada/.cache/synapse/things")));
        assert_eq!(
            dir(&[home, ("XDG_CACHE_HOME", "/var/cache/ada")]),
            Some(PathBuf::from("/var/cache/ada/synapse/things"))
        );
        assert_eq!(dir(&[home, ("XDG_CACHE_HOME", "cache")]), Some(PathBuf::from("/home/ada/.cache/synapse/things")));
        assert_eq!(dir(&[home, ("SYNAPSE_X_CACHE", "/srv/things")]), Some(PathBuf::from("/srv/things")));
        assert_eq!(dir(&[home, ("SYNAPSE_X_CACHE", "off")]), None);
        assert_eq!(dir(&[home, ("SYNAPSE_X_CACHE", "")]), None);
        assert_eq!(dir(&[]), None);
    }
}
