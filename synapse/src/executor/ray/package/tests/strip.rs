//! The binary without its debug info: an ELF binary is shipped without its `.debug_*`
//! sections, unless the builder keeps them.

use super::*;
use std::io::{Cursor, Read};

#[test]
fn an_elf_binary_is_shipped_without_its_debug_info() {
    // This test binary has debug info (line tables at least).
    let exe = std::env::current_exe().unwrap();
    let size = std::fs::metadata(&exe).unwrap().len();
    let stripped = builder(&exe).binary_name("plugin").build().unwrap();
    let shipped = stripped.entries()[0].size;
    assert!(shipped < size, "{shipped} < {size}");
    let kept = builder(&exe).binary_name("plugin").strip_debug(false).build().unwrap();
    assert_eq!(kept.entries()[0].size, size);
    assert_ne!(kept.name(), stripped.name());

    let bytes = zip_of(&stripped);
    let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
    let mut binary = Vec::new();
    archive.by_name("bin/plugin").unwrap().read_to_end(&mut binary).unwrap();
    use object::read::{Object, ObjectSection};
    let file = object::read::File::parse(&*binary).unwrap();
    // A section left with its header, but empty, is gone.
    let names: Vec<&str> =
        file.sections().filter(|section| section.size() > 0).filter_map(|section| section.name().ok()).collect();
    assert!(!names.contains(&".debug_line"), "{names:?}");
    assert!(names.contains(&".symtab"), "{names:?}");
    assert!(names.contains(&".text"), "{names:?}");
}
