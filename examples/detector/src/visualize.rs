//! Pictures of a model's results: a grid of box thumbnails framed green (predicted right) or
//! red (wrong), and a confusion-matrix heat map; written as PNG.

use crate::samples::{BoxSample, THUMBNAIL_SIDE};
use crate::{DetectorError, Evaluation};
use image::{Rgb, RgbImage};
use std::path::Path;

/// The frame around each thumbnail of [`validation_grid`], in pixels.
pub const FRAME: u32 = 3;
/// The side of one tile of [`validation_grid`]: a thumbnail and its frame.
pub const TILE: u32 = THUMBNAIL_SIDE + 2 * FRAME;
/// The frame of a right prediction.
pub const RIGHT: Rgb<u8> = Rgb([0, 200, 0]);
/// The frame of a wrong prediction.
pub const WRONG: Rgb<u8> = Rgb([220, 0, 0]);
/// Where a grid has no tile.
const EMPTY: Rgb<u8> = Rgb([0, 0, 0]);

/// The thumbnails of `samples`, left to right and top to bottom in `columns` columns (at least
/// 1), each framed [`RIGHT`] when `predicted` (pairwise) is its class, else [`WRONG`]; a sample
/// without a prediction is framed [`WRONG`]. The image is `columns·TILE` wide and
/// `rows·TILE` high, `rows = ⌈samples / columns⌉` (at least 1).
///
/// ```
/// use detector::visualize::{validation_grid, TILE};
/// let grid = validation_grid(&[], &[], 4);
/// assert_eq!(grid.dimensions(), (4 * TILE, TILE));
/// ```
pub fn validation_grid(samples: &[&BoxSample], predicted: &[usize], columns: u32) -> RgbImage {
    let columns = columns.max(1);
    let rows = (samples.len() as u32).div_ceil(columns).max(1);
    let mut grid = RgbImage::from_pixel(columns * TILE, rows * TILE, EMPTY);
    for (index, sample) in samples.iter().enumerate() {
        let (left, top) = ((index as u32 % columns) * TILE, (index as u32 / columns) * TILE);
        let colour = if predicted.get(index) == Some(&sample.class) { RIGHT } else { WRONG };
        for y in 0..TILE {
            for x in 0..TILE {
                grid.put_pixel(left + x, top + y, colour);
            }
        }
        for (x, y, pixel) in sample.thumbnail.enumerate_pixels() {
            if x < THUMBNAIL_SIDE && y < THUMBNAIL_SIDE {
                grid.put_pixel(left + FRAME + x, top + FRAME + y, *pixel);
            }
        }
    }
    grid
}

/// The confusion matrix of `evaluation` as a heat map: a `cell`×`cell` square (at least 1 pixel)
/// per (true class row, predicted class column), from white (none of the row's samples) to
/// dark blue (all of them). The image is `classes·cell` on each side (at least one cell).
///
/// ```
/// use detector::Evaluation;
/// use detector::visualize::confusion_heatmap;
/// let names = ["a".to_owned(), "b".to_owned()];
/// let map = confusion_heatmap(&Evaluation::of(&names, &[0, 1], &[0, 0]), 10);
/// assert_eq!(map.dimensions(), (20, 20));
/// assert_eq!(map.get_pixel(5, 5).0, [0, 0, 139]); // a → a: the whole row
/// assert_eq!(map.get_pixel(15, 5).0, [255, 255, 255]); // a → b: none
/// ```
pub fn confusion_heatmap(evaluation: &Evaluation, cell: u32) -> RgbImage {
    let cell = cell.max(1);
    let count = (evaluation.confusion.len() as u32).max(1);
    let mut map = RgbImage::from_pixel(count * cell, count * cell, Rgb([255, 255, 255]));
    for (row, counts) in evaluation.confusion.iter().enumerate() {
        let total: usize = counts.iter().sum();
        for (column, &value) in counts.iter().enumerate() {
            let share = if total == 0 { 0.0 } else { value as f64 / total as f64 };
            let mix = |from: f64, to: f64| (from + (to - from) * share).round() as u8;
            let colour = Rgb([mix(255.0, 0.0), mix(255.0, 0.0), mix(255.0, 139.0)]);
            for y in 0..cell {
                for x in 0..cell {
                    map.put_pixel(column as u32 * cell + x, row as u32 * cell + y, colour);
                }
            }
        }
    }
    map
}

/// Writes `image` to `path` as PNG.
///
/// # Errors
/// [`DetectorError::Image`] naming `path` when it cannot be written or encoded.
pub fn write_png(image: &RgbImage, path: &Path) -> Result<(), DetectorError> {
    image
        .save_with_format(path, image::ImageFormat::Png)
        .map_err(|error| DetectorError::Image { path: path.to_owned(), message: error.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::PixelRect;
    use synapse::formats::Split;

    fn sample(class: usize, colour: [u8; 3]) -> BoxSample {
        BoxSample {
            image: "a.png".into(),
            split: Split::Valid,
            class,
            rect: PixelRect { x: 0, y: 0, width: 1, height: 1 },
            features: [0.0; crate::features::FEATURE_COUNT],
            thumbnail: RgbImage::from_pixel(THUMBNAIL_SIDE, THUMBNAIL_SIDE, Rgb(colour)),
        }
    }

    #[test]
    fn tiles_are_framed_by_correctness_in_reading_order() {
        let samples = [sample(0, [1, 2, 3]), sample(1, [4, 5, 6]), sample(1, [7, 8, 9])];
        let refs: Vec<&BoxSample> = samples.iter().collect();
        let grid = validation_grid(&refs, &[0, 0, 1], 2);
        assert_eq!(grid.dimensions(), (2 * TILE, 2 * TILE));
        assert_eq!(*grid.get_pixel(0, 0), RIGHT);
        assert_eq!(grid.get_pixel(FRAME, FRAME).0, [1, 2, 3]);
        assert_eq!(*grid.get_pixel(TILE, 0), WRONG);
        assert_eq!(grid.get_pixel(TILE + FRAME + 5, FRAME + 5).0, [4, 5, 6]);
        assert_eq!(*grid.get_pixel(TILE - 1, 2 * TILE - 1), RIGHT);
        assert_eq!(*grid.get_pixel(TILE, TILE), EMPTY, "the fourth tile is empty");
        let unpredicted = validation_grid(&refs[..1], &[], 0);
        assert_eq!((unpredicted.dimensions(), *unpredicted.get_pixel(0, 0)), ((TILE, TILE), WRONG));
    }
}
