//! Plugin packages for Ray: the plugin binary and its files, zipped deterministically.
