//! Where the package cache is: [`default_cache_dir`], from the environment.

use std::path::PathBuf;

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
    crate::cache_dir::user_cache_dir(CACHE_ENV, "packages")
}
