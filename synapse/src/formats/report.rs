//! `ConversionReport`: what a conversion wrote, clipped and skipped, counted and listed.

use std::fmt;

/// The counts of one conversion, and each box it skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversionReport {
    /// Images converted.
    pub images: usize,
    /// Boxes written to the target.
    pub boxes_written: usize,
    /// Boxes that lay partly outside their image and were clipped to it (and written).
    pub boxes_clipped: usize,
    /// Boxes with no area once clipped (`w ≤ 0` or `h ≤ 0`, wholly outside, not finite): dropped.
    pub degenerate_dropped: usize,
    /// Boxes whose class is not in the fixed class list: dropped.
    pub unknown_classes: usize,
    /// Every dropped box: its image, index and reason.
    pub skipped: Vec<Skip>,
}

/// A box a conversion dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Skip {
    /// The image's file name.
    pub image: String,
    /// The box's index among the image's boxes, from 0.
    pub index: usize,
    /// The box's id, when it has one.
    pub id: Option<String>,
    /// Why.
    pub reason: SkipReason,
}

/// Why a box was dropped.
#[derive(Debug, Clone, PartialEq)]
pub enum SkipReason {
    /// No area within the image: the box as given (`[x, y, w, h]`, pixels).
    Degenerate([f64; 4]),
    /// Its class is not in the class list.
    UnknownClass(String),
}

impl ConversionReport {
    /// Adds another report's counts and skips to this one.
    pub fn merge(&mut self, other: ConversionReport) {
        self.images += other.images;
        self.boxes_written += other.boxes_written;
        self.boxes_clipped += other.boxes_clipped;
        self.degenerate_dropped += other.degenerate_dropped;
        self.unknown_classes += other.unknown_classes;
        self.skipped.extend(other.skipped);
    }
}

impl fmt::Display for ConversionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} images, {} boxes written, {} clipped, {} degenerate dropped, {} of unknown classes dropped",
            self.images, self.boxes_written, self.boxes_clipped, self.degenerate_dropped, self.unknown_classes
        )
    }
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: box {}", self.image, self.index)?;
        if let Some(id) = &self.id {
            write!(f, " ({id})")?;
        }
        match &self.reason {
            SkipReason::Degenerate([x, y, w, h]) => write!(f, ": no area inside the image ([{x}, {y}, {w}, {h}])"),
            SkipReason::UnknownClass(class) => write!(f, ": class {class:?} is not in the class list"),
        }
    }
}
