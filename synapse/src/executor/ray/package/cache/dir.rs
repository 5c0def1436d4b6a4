//! Where the package cache is: [`default_cache_dir`], from the environment.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The environment variable that places the package cache: a directory, or `off` (or empty) for
/// no cache.
pub const CACHE_ENV: &str = "SYNAPSE_PACKAGE_CACHE";

/// Where packages are cached unless the builder says otherwise: `$SYNAPSE_PACKAGE_CACHE` when
/// set (`off` or empty: nowhere), else `$XDG_CACHE_HOME/synapse/packages`, else
/// `$HOME/.cache/synapse/packages`; `None` (no cache) when none of these is set.
///
/// ```
/// use synapse::executor::ray::package::default_cache_dir;
///
/// match default_cache_dir() {
///     Some(dir) => println!("plugin packages are cached in {}", dir.display()),
///     None => println!("plugin packages are not cached"),
/// }
/// ```
pub fn default_cache_dir() -> Option<PathBuf> {
    cache_dir_in(|name| std::env::var_os(name))
}

/// [`default_cache_dir`] in the environment `var`.
fn cache_dir_in(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    match var(CACHE_ENV) {
        Some(value) if value.is_empty() || value == "off" => None,
        Some(value) => Some(PathBuf::from(value)),
        None => {
            let base = var("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .filter(|path| path.is_absolute())
                .or_else(|| var("HOME").filter(|home| !home.is_empty()).map(|home| Path::new(&home).join(".cache")))?;
            Some(base.join("synapse").join("packages"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_directory_comes_from_the_environment() {
        let dir = |vars: &[(&str, &str)]| {
            cache_dir_in(|name| vars.iter().find(|(key, _)| *key == name).map(|(_, value)| OsString::from(value)))
        };
        let home = ("HOME", "/home/ada");
        assert_eq!(dir(&[home]), Some(PathBuf::from("/home/ada/.cache/synapse/packages")));
        assert_eq!(
            dir(&[home, ("XDG_CACHE_HOME", "/var/cache/ada")]),
            Some(PathBuf::from("/var/cache/ada/synapse/packages"))
        );
        // A relative XDG_CACHE_HOME is ignored, as the XDG spec says.
        assert_eq!(dir(&[home, ("XDG_CACHE_HOME", "cache")]), Some(PathBuf::from("/home/ada/.cache/synapse/packages")));
        assert_eq!(dir(&[home, (CACHE_ENV, "/srv/packages")]), Some(PathBuf::from("/srv/packages")));
        assert_eq!(dir(&[home, (CACHE_ENV, "off")]), None);
        assert_eq!(dir(&[home, (CACHE_ENV, "")]), None);
        assert_eq!(dir(&[]), None);
        assert_eq!(dir(&[("HOME", "")]), None);
    }
}
