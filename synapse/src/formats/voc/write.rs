//! Writing a VOC annotation's XML by hand (the format is small and fixed).

use super::VocAnnotation;
use std::fmt::Write as _;

/// The XML of `voc`, laid out as the Python SDK's `pascal/from_dm.py` writes it.
///
/// ```
/// use synapse::formats::voc::{VocAnnotation, render};
/// let voc = VocAnnotation {
///     folder: "JPEGImages".into(), filename: "a&b.png".into(), path: "JPEGImages/a&b.png".into(),
///     width: 4, height: 3, depth: 3, objects: vec![],
/// };
/// assert!(render(&voc).contains("<filename>a&amp;b.png</filename>"));
/// ```
pub fn render(voc: &VocAnnotation) -> String {
    let mut xml = String::with_capacity(512 + voc.objects.len() * 200);
    let _ = write!(
        xml,
        "<annotation>\n  <folder>{}</folder><filename>{}</filename><path>{}</path>\n  \
         <source><database>Unknown</database></source>\n  \
         <size><width>{}</width><height>{}</height><depth>{}</depth></size>\n  <segmented>0</segmented>\n",
        escape(&voc.folder),
        escape(&voc.filename),
        escape(&voc.path),
        voc.width,
        voc.height,
        voc.depth
    );
    for object in &voc.objects {
        let _ = write!(
            xml,
            "  <object><name>{}</name><pose>Unspecified</pose><truncated>0</truncated><difficult>0</difficult>\n    \
             <bndbox><xmin>{}</xmin><ymin>{}</ymin><xmax>{}</xmax><ymax>{}</ymax></bndbox></object>\n",
            escape(&object.name),
            object.xmin,
            object.ymin,
            object.xmax,
            object.ymax
        );
    }
    xml.push_str("</annotation>\n");
    xml
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}
