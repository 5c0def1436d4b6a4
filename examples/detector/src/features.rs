//! The feature vector of a labelled box: its crop's colour statistics, a coarse colour histogram,
//! its shape and its size relative to the image; and the crop itself, from a YOLO label.
//!
//! | index | feature | unit |
//! |---|---|---|
//! | 0–2 | mean of R, G, B over the crop | fraction of 255 |
//! | 3–5 | standard deviation of R, G, B | fraction of 255 |
//! | 6–17 | per channel (R, then G, then B), the share of pixels in each quarter of 0–255 | fraction of the crop's pixels |
//! | 18 | aspect ratio, `ln(width / height)` | 0 for a square |
//! | 19 | relative size, `sqrt(crop area / image area)` | 0–1 |
//!
//! Colour carries the class in the seeded datasets; the standard deviations and histograms keep
//! it recognizable when pixels are noisy (the mean alone drifts toward grey when noise clips at
//! 0 and 255), and the shape features let a model use boxes' shapes when classes differ by them.

use image::RgbImage;
use image::imageops::{self, FilterType};
use synapse::formats::yolo::YoloLabel;

/// How many numbers a feature vector has.
pub const FEATURE_COUNT: usize = 20;

/// The name of each feature, by index (as saved in a model's `metadata.json`).
pub const FEATURE_NAMES: [&str; FEATURE_COUNT] = [
    "mean_r",
    "mean_g",
    "mean_b",
    "std_r",
    "std_g",
    "std_b",
    "hist_r0",
    "hist_r1",
    "hist_r2",
    "hist_r3",
    "hist_g0",
    "hist_g1",
    "hist_g2",
    "hist_g3",
    "hist_b0",
    "hist_b1",
    "hist_b2",
    "hist_b3",
    "log_aspect",
    "relative_size",
];

/// Bins per channel of the histogram.
const BINS: usize = 4;

/// A box's feature vector (see the module's table).
pub type Features = [f64; FEATURE_COUNT];

/// A box in whole pixels from the image's top-left corner; never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PixelRect {
    /// Left edge, in pixels.
    pub x: u32,
    /// Top edge, in pixels.
    pub y: u32,
    /// Width in pixels, at least 1.
    pub width: u32,
    /// Height in pixels, at least 1.
    pub height: u32,
}

impl PixelRect {
    /// The pixels a YOLO label covers in a `width`×`height` image: its edges
    /// (`(cx ∓ w/2)·W`, `(cy ∓ h/2)·H`) rounded to the nearest pixel and clipped to the image, at
    /// least one pixel on each side (a label narrower than a pixel still has one).
    ///
    /// ```
    /// use detector::features::PixelRect;
    /// use synapse::formats::yolo::YoloLabel;
    /// let label = YoloLabel { class: 0, cx: 0.3125, cy: 0.333333, w: 0.3125, h: 0.166667 };
    /// assert_eq!(PixelRect::of_label(&label, 640, 480), PixelRect { x: 100, y: 120, width: 200, height: 80 });
    /// ```
    pub fn of_label(label: &YoloLabel, width: u32, height: u32) -> PixelRect {
        let (x0, x1) = edges(label.cx, label.w, width);
        let (y0, y1) = edges(label.cy, label.h, height);
        PixelRect { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }
    }
}

/// The first and one-past-the-last pixel of a span centred at `centre` (fraction) of `size`
/// fraction `span`, in `0..=side`, at least one pixel apart.
fn edges(centre: f64, span: f64, side: u32) -> (u32, u32) {
    let side_f = f64::from(side.max(1));
    let to_pixel = |fraction: f64| (fraction * side_f).round().clamp(0.0, side_f) as u32;
    let low = to_pixel(centre - span / 2.0).min(side.max(1) - 1);
    let high = to_pixel(centre + span / 2.0).max(low + 1);
    (low, high)
}

/// The pixels of `rect` in `image` (clipped to it).
pub fn crop(image: &RgbImage, rect: PixelRect) -> RgbImage {
    imageops::crop_imm(image, rect.x, rect.y, rect.width, rect.height).to_image()
}

/// `crop` scaled to `side`×`side` (nearest neighbour, so flat colours stay flat), for
/// visualizations.
pub fn thumbnail(crop: &RgbImage, side: u32) -> RgbImage {
    imageops::resize(crop, side, side, FilterType::Nearest)
}

/// The feature vector of a box's `crop` in an image of `image_size` (width, height) pixels.
/// An empty crop has zero colour features.
///
/// ```
/// use detector::features::{describe, FEATURE_NAMES};
/// use image::{Rgb, RgbImage};
/// let crop = RgbImage::from_pixel(20, 10, Rgb([255, 0, 0]));
/// let features = describe(&crop, (40, 40));
/// assert_eq!(features[0], 1.0); // mean R
/// assert_eq!(features[3], 0.0); // no spread
/// let hist_r3 = FEATURE_NAMES.iter().position(|n| *n == "hist_r3").unwrap();
/// assert_eq!(features[hist_r3], 1.0); // every pixel in R's top quarter
/// assert!((features[18] - 2f64.ln()).abs() < 1e-12); // twice as wide as high
/// assert!((features[19] - (200.0f64 / 1600.0).sqrt()).abs() < 1e-12);
/// ```
pub fn describe(crop: &RgbImage, image_size: (u32, u32)) -> Features {
    let mut features = [0.0; FEATURE_COUNT];
    let pixels = f64::from(crop.width()) * f64::from(crop.height());
    if pixels > 0.0 {
        let mut sum = [0.0f64; 3];
        let mut sum_sq = [0.0f64; 3];
        let mut hist = [[0.0f64; BINS]; 3];
        for pixel in crop.pixels() {
            for (channel, &value) in pixel.0.iter().enumerate() {
                let value_f = f64::from(value);
                sum[channel] += value_f;
                sum_sq[channel] += value_f * value_f;
                hist[channel][usize::from(value) * BINS / 256] += 1.0;
            }
        }
        for channel in 0..3 {
            let mean = sum[channel] / pixels;
            let variance = (sum_sq[channel] / pixels - mean * mean).max(0.0);
            features[channel] = mean / 255.0;
            features[3 + channel] = variance.sqrt() / 255.0;
            for bin in 0..BINS {
                features[6 + channel * BINS + bin] = hist[channel][bin] / pixels;
            }
        }
        features[18] = (f64::from(crop.width()) / f64::from(crop.height())).ln();
    }
    let image_area = f64::from(image_size.0.max(1)) * f64::from(image_size.1.max(1));
    features[19] = (pixels / image_area).sqrt();
    features
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn a_label_maps_to_the_pixels_it_was_made_from_and_stays_inside_the_image() {
        // A 7×5 box at (3, 2) in a 24×16 image, normalized with 6 decimals as YOLO writes it.
        let round6 = |v: f64| (v * 1e6).round() / 1e6;
        let label = YoloLabel {
            class: 0,
            cx: round6(6.5 / 24.0),
            cy: round6(4.5 / 16.0),
            w: round6(7.0 / 24.0),
            h: round6(5.0 / 16.0),
        };
        assert_eq!(PixelRect::of_label(&label, 24, 16), PixelRect { x: 3, y: 2, width: 7, height: 5 });
        // Past the border: clipped; thinner than a pixel: one pixel.
        let outside = YoloLabel { class: 0, cx: 1.0, cy: 0.5, w: 0.5, h: 0.0001 };
        let rect = PixelRect::of_label(&outside, 24, 16);
        assert_eq!((rect.x, rect.width, rect.height), (18, 6, 1));
        let beyond = YoloLabel { class: 0, cx: 1.5, cy: 0.5, w: 0.1, h: 0.1 };
        let rect = PixelRect::of_label(&beyond, 24, 16);
        assert_eq!((rect.x, rect.width), (23, 1));
    }

    #[test]
    fn noise_spreads_the_colour_without_moving_its_mean_far() {
        let flat = RgbImage::from_pixel(10, 10, Rgb([0, 130, 200]));
        let mut noisy = flat.clone();
        for (i, pixel) in noisy.pixels_mut().enumerate() {
            let delta: i16 = if i % 2 == 0 { 40 } else { -40 };
            for value in pixel.0.iter_mut() {
                *value = (i16::from(*value) + delta).clamp(0, 255) as u8;
            }
        }
        let (a, b) = (describe(&flat, (64, 64)), describe(&noisy, (64, 64)));
        assert_eq!(a[3..6], [0.0; 3]);
        assert!(b[4] > 0.1 && b[5] > 0.1, "{b:?}");
        assert!((a[1] - b[1]).abs() < 0.01 && (a[2] - b[2]).abs() < 0.01, "{a:?} {b:?}");
        let histogram_sums: Vec<f64> = (0..3).map(|c| b[6 + c * BINS..6 + (c + 1) * BINS].iter().sum()).collect();
        assert!(histogram_sums.iter().all(|s| (s - 1.0).abs() < 1e-12), "{histogram_sums:?}");
    }

    #[test]
    fn a_crop_and_its_thumbnail_keep_the_box_pixels() {
        let mut image = RgbImage::from_pixel(16, 16, Rgb([32, 32, 32]));
        for y in 4..8 {
            for x in 2..10 {
                image.put_pixel(x, y, Rgb([230, 25, 75]));
            }
        }
        let cropped = crop(&image, PixelRect { x: 2, y: 4, width: 8, height: 4 });
        assert_eq!(cropped.dimensions(), (8, 4));
        assert!(cropped.pixels().all(|p| p.0 == [230, 25, 75]));
        let small = thumbnail(&cropped, 32);
        assert_eq!(small.dimensions(), (32, 32));
        assert!(small.pixels().all(|p| p.0 == [230, 25, 75]));
        assert_eq!(describe(&RgbImage::new(0, 0), (16, 16)), [0.0; FEATURE_COUNT]);
    }
}
