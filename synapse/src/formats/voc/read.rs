//! Reading a VOC annotation's XML with quick-xml: the fields by their element path.

use super::{VocAnnotation, VocObject};
use crate::formats::FormatError;
use quick_xml::Reader;
use quick_xml::events::Event;
use std::path::Path;

/// A VOC annotation from its XML; `path` names the file in errors. Elements other than
/// `folder`, `filename`, `path`, `size` and `object/{name, bndbox}` are ignored.
///
/// # Errors
/// [`FormatError::Xml`] for XML that is not well-formed (with its byte position), a missing
/// `filename` or `size`, an object without `name` or a `bndbox` coordinate, or a value that is
/// not a number.
pub fn parse(xml: &str, path: &Path) -> Result<VocAnnotation, FormatError> {
    let bad = |message: String| FormatError::Xml { path: path.to_owned(), message };
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut voc = VocAnnotation {
        folder: String::new(),
        filename: String::new(),
        path: String::new(),
        width: 0,
        height: 0,
        depth: 0,
        objects: Vec::new(),
    };
    let (mut has_filename, mut has_width, mut has_height) = (false, false, false);
    let mut object: Option<(Option<String>, [Option<f64>; 4])> = None;
    loop {
        let event =
            reader.read_event().map_err(|error| bad(format!("at byte {}: {error}", reader.error_position())))?;
        match event {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                if name == "object" && stack.len() == 1 {
                    object = Some((None, [None; 4]));
                }
                stack.push(name);
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.xml10_content().map_err(|error| bad(error.to_string()))?),
            Event::CData(t) => text.push_str(&t.decode().map_err(|error| bad(error.to_string()))?),
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|error| bad(error.to_string()))?;
                if let Some(c) = r.resolve_char_ref().map_err(|error| bad(error.to_string()))? {
                    text.push(c);
                } else if let Some(resolved) = quick_xml::escape::resolve_predefined_entity(&name) {
                    text.push_str(resolved);
                } else {
                    return Err(bad(format!("unknown entity &{name};")));
                }
            }
            Event::End(_) => {
                let element: Vec<&str> = stack.iter().map(String::as_str).collect();
                let value = text.trim();
                let number = |field: &str| -> Result<f64, FormatError> {
                    value.parse::<f64>().map_err(|_| bad(format!("<{field}> {value:?} is not a number")))
                };
                let size = |field: &str| -> Result<u32, FormatError> {
                    value.parse::<u32>().map_err(|_| bad(format!("<size><{field}> {value:?} is not a whole number")))
                };
                match element.as_slice() {
                    [_, "folder"] => voc.folder = value.to_owned(),
                    [_, "filename"] => (voc.filename, has_filename) = (value.to_owned(), true),
                    [_, "path"] => voc.path = value.to_owned(),
                    [_, "size", "width"] => (voc.width, has_width) = (size("width")?, true),
                    [_, "size", "height"] => (voc.height, has_height) = (size("height")?, true),
                    [_, "size", "depth"] => voc.depth = size("depth")?,
                    [_, "object", "name"] => {
                        if let Some((name, _)) = &mut object {
                            *name = Some(value.to_owned());
                        }
                    }
                    [_, "object", "bndbox", field @ ("xmin" | "ymin" | "xmax" | "ymax")] => {
                        let at = ["xmin", "ymin", "xmax", "ymax"].iter().position(|f| f == field).unwrap_or(0);
                        if let Some((_, coordinates)) = &mut object {
                            coordinates[at] = Some(number(field)?);
                        }
                    }
                    [_, "object"] => {
                        let index = voc.objects.len();
                        if let Some((name, [Some(xmin), Some(ymin), Some(xmax), Some(ymax)])) = object.take() {
                            let name = name.ok_or_else(|| bad(format!("object {index} has no <name>")))?;
                            voc.objects.push(VocObject { name, xmin, ymin, xmax, ymax });
                        } else {
                            return Err(bad(format!("object {index} lacks a <bndbox> coordinate")));
                        }
                    }
                    _ => {}
                }
                stack.pop();
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !has_filename {
        return Err(bad("no <filename>".to_owned()));
    }
    if !(has_width && has_height) {
        return Err(bad("no <size> with <width> and <height>".to_owned()));
    }
    Ok(voc)
}
