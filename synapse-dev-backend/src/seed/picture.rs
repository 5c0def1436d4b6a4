//! The synthetic images of seeded data: a uniform background with non-overlapping filled
//! rectangles, one colour per class, drawn from a seeded generator so that a seed always gives
//! the same PNG bytes.

use image::{ImageEncoder, Rgb, RgbImage};

/// The background of every image: dark grey, unlike every class colour.
pub(crate) const BACKGROUND: [u8; 3] = [32, 32, 32];

/// The class colours, in class order: saturated and far apart, so classes stay separable by
/// their mean colour.
pub(crate) const PALETTE: [[u8; 3]; 8] = [
    [230, 25, 75],
    [60, 180, 75],
    [0, 130, 200],
    [255, 225, 25],
    [245, 130, 48],
    [145, 30, 180],
    [70, 240, 240],
    [240, 50, 230],
];

/// The smallest image side.
pub(crate) const MIN_SIDE: u32 = 16;
/// The largest image side.
pub(crate) const MAX_SIDE: u32 = 2048;

/// SplitMix64: small, fast, and the same on every platform.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// The generator of `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    pub(crate) fn range(&mut self, low: u32, high: u32) -> u32 {
        let span = u64::from(high.saturating_sub(low)) + 1;
        low + u32::try_from(self.next() % span).unwrap_or(0)
    }

    /// An annotation id: 10 characters of `[a-zA-Z0-9]`, as the platform's ids look.
    pub(crate) fn id(&mut self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        (0..10).map(|_| char::from(ALPHABET[(self.next() % ALPHABET.len() as u64) as usize])).collect()
    }
}

/// A box of the ground truth, in absolute pixels from the top-left corner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rect {
    /// The index of its class.
    pub(crate) class: usize,
    pub(crate) x: u32,
    pub(crate) y: u32,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

impl Rect {
    /// Whether the two rectangles come within `margin` pixels of each other.
    fn near(&self, other: &Rect, margin: u32) -> bool {
        self.x < other.x + other.width + margin
            && other.x < self.x + self.width + margin
            && self.y < other.y + other.height + margin
            && other.y < self.y + self.height + margin
    }
}

/// One to three boxes of random classes (of `classes`), each at least 2 pixels from the others
/// and from the border, between an eighth and a third of the image's sides.
pub(crate) fn boxes(rng: &mut Rng, width: u32, height: u32, classes: usize) -> Vec<Rect> {
    let wanted = rng.range(1, 3);
    let mut placed: Vec<Rect> = Vec::new();
    // A bounded number of tries keeps this finite; the first box always fits.
    for _ in 0..wanted * 20 {
        if placed.len() as u32 == wanted {
            break;
        }
        let w = rng.range((width / 8).max(4), (width / 3).max(4));
        let h = rng.range((height / 8).max(4), (height / 3).max(4));
        let candidate = Rect {
            class: (rng.next() % classes.max(1) as u64) as usize,
            x: rng.range(2, width - w - 2),
            y: rng.range(2, height - h - 2),
            width: w,
            height: h,
        };
        if placed.iter().all(|other| !candidate.near(other, 2)) {
            placed.push(candidate);
        }
    }
    placed
}

/// The PNG of a `width`×`height` image with `boxes` filled in their class colours.
pub(crate) fn png(width: u32, height: u32, boxes: &[Rect]) -> Result<Vec<u8>, String> {
    let mut image = RgbImage::from_pixel(width, height, Rgb(BACKGROUND));
    for rect in boxes {
        let colour = Rgb(PALETTE[rect.class % PALETTE.len()]);
        for y in rect.y..(rect.y + rect.height).min(height) {
            for x in rect.x..(rect.x + rect.width).min(width) {
                image.put_pixel(x, y, colour);
            }
        }
    }
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(image.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .map_err(|error| format!("encoding a {width}x{height} PNG: {error}"))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_image() {
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            let boxes = boxes(&mut rng, 64, 48, 3);
            (png(64, 48, &boxes).expect("a PNG"), boxes)
        };
        let (first, boxes) = draw(7);
        assert_eq!(first, draw(7).0);
        assert_ne!(first, draw(8).0);
        assert!(!boxes.is_empty() && boxes.len() <= 3);
        for (i, a) in boxes.iter().enumerate() {
            assert!(a.x >= 2 && a.y >= 2 && a.x + a.width <= 62 && a.y + a.height <= 46, "{a:?}");
            assert!(boxes[i + 1..].iter().all(|b| !a.near(b, 2)));
        }
        let decoded = image::load_from_memory(&first).expect("decodes").to_rgb8();
        let rect = &boxes[0];
        assert_eq!(decoded.get_pixel(rect.x, rect.y).0, PALETTE[rect.class]);
        assert_eq!(decoded.get_pixel(0, 0).0, BACKGROUND);
    }
}
