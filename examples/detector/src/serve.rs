//! The model server: [`DetectorServe`], a [`ServeDeployment`] that loads a trained model
//! directory ([`Classifier::load`]) and classifies the boxes of an image sent as base64
//! ([`ImageBoxes`] in, [`Classified`] out): what `detector serve`, `detector infer` and the
//! `inference` action run.

use crate::features::{self, Features, PixelRect};
use crate::{Classifier, DetectorError};
use base64::Engine as _;
use image::RgbImage;
use std::sync::Arc;
use synapse::prelude::*;
use synapse::serve::{ModelInfo, ServeDeployment};

/// A box in pixels from the image's top-left corner, as the dataset's boxes are (DM's
/// `{x, y, width, height}`).
#[params]
#[derive(Debug, Clone, Copy)]
pub struct PixelBox {
    /// Left edge, in pixels (may be fractional or negative: it is rounded, then clipped)
    pub x: f64,
    /// Top edge, in pixels (may be fractional or negative: it is rounded, then clipped)
    pub y: f64,
    /// Width in pixels (a box thinner than a pixel is one pixel wide)
    #[param(range(min = 0.0))]
    pub width: f64,
    /// Height in pixels (a box thinner than a pixel is one pixel high)
    #[param(range(min = 0.0))]
    pub height: f64,
}

/// What one request sends: an image and the boxes in it to classify.
///
/// ```json
/// {"image": "iVBORw0KGgo…", "boxes": [{"x": 10, "y": 12, "width": 20, "height": 16}]}
/// ```
///
/// A box that reaches past the image's border is clipped to it, as the training boxes are
/// ([`PixelRect::of_label`]: edges rounded to the nearest pixel, at least one pixel on each
/// side); a box with no pixel inside the image is refused, naming its index (`$.boxes[2]`).
#[params]
#[derive(Debug, Clone)]
pub struct ImageBoxes {
    /// The image's bytes (PNG or JPEG), base64 (standard alphabet, padded or not; line breaks
    /// ignored); a `data:image/png;base64,` prefix is accepted
    #[param(length(min = 1))]
    pub image: String,
    /// The boxes to classify, in pixels of the image (at least one)
    #[param(length(min = 1))]
    pub boxes: Vec<PixelBox>,
}

/// One classified box.
#[output]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxPrediction {
    /// The predicted class id (an index into the model's classes).
    pub class: usize,
    /// Its name.
    pub name: String,
    /// The left edge of the pixels classified (the box rounded and clipped to the image).
    pub x: u32,
    /// Their top edge.
    pub y: u32,
    /// Their width, at least 1.
    pub width: u32,
    /// Their height, at least 1.
    pub height: u32,
}

/// What one request gets back: the image's size and, per box in the order sent, its class.
#[output]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// The decoded image's width, in pixels.
    pub image_width: u32,
    /// Its height, in pixels.
    pub image_height: u32,
    /// One per box of the request, in its order.
    pub predictions: Vec<BoxPrediction>,
}

/// The detector's model server: model N is the model directory the `train` action registered
/// (a zip of `model.json`, `classes.json`, `metadata.json`), loaded with [`Classifier::load`].
/// Decoding, features and the forest run on a blocking thread, not on the server's.
///
/// Errors of a request (answered by the server as `500` with kind `inference`): the image is
/// not base64 or not a PNG or JPEG (`$.image: …`, the decoder's reason), a box lies outside the
/// image (`$.boxes[i]: …`, its edges and the image's size); see [`DetectorError::Request`].
pub struct DetectorServe;

impl ServeDeployment for DetectorServe {
    type Model = Arc<Classifier>;
    type Input = ImageBoxes;
    type Output = Classified;

    async fn load_model(&self, model: ModelInfo) -> Result<Arc<Classifier>> {
        let path = model.path;
        let classifier = tokio::task::spawn_blocking(move || Classifier::load(&path)).await??;
        Ok(Arc::new(classifier))
    }

    async fn infer(&self, model: &Arc<Classifier>, inputs: Vec<ImageBoxes>) -> Result<Vec<Classified>> {
        let model = Arc::clone(model);
        Ok(tokio::task::spawn_blocking(move || classify(&model, &inputs)).await??)
    }
}

synapse::serve_deployment!(DetectorServe);

/// Classifies every box of every input, with one call to the forest for all of them.
///
/// # Errors
/// [`DetectorError::Request`] naming the input's field that does not decode or the box outside
/// its image; [`DetectorError::Model`] when the forest refuses the prediction.
pub fn classify(model: &Classifier, inputs: &[ImageBoxes]) -> Result<Vec<Classified>, DetectorError> {
    let prefix = |index: usize| if inputs.len() > 1 { format!("$[{index}]") } else { "$".to_owned() };
    let mut rows: Vec<Features> = Vec::new();
    let mut shapes = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.iter().enumerate() {
        let image = decode_image(&input.image)
            .map_err(|message| DetectorError::Request { field: format!("{}.image", prefix(index)), message })?;
        let (width, height) = image.dimensions();
        let mut rects = Vec::with_capacity(input.boxes.len());
        for (number, pixel_box) in input.boxes.iter().enumerate() {
            let rect = clip(pixel_box, width, height).ok_or_else(|| DetectorError::Request {
                field: format!("{}.boxes[{number}]", prefix(index)),
                message: format!(
                    "the box x {} y {} width {} height {} has no pixel inside the {width}×{height} image",
                    pixel_box.x, pixel_box.y, pixel_box.width, pixel_box.height
                ),
            })?;
            rows.push(features::describe(&features::crop(&image, rect), (width, height)));
            rects.push(rect);
        }
        shapes.push((width, height, rects));
    }
    let mut classes = model.predict_features(&rows)?.into_iter();
    let mut answers = Vec::with_capacity(shapes.len());
    for (image_width, image_height, rects) in shapes {
        let mut predictions = Vec::with_capacity(rects.len());
        for rect in rects {
            let class = classes.next().ok_or_else(|| DetectorError::Model {
                step: "predicting".into(),
                message: format!("{} classes for {} boxes", rows.len() - classes.len(), rows.len()),
            })?;
            let name = model.names().get(class).cloned().unwrap_or_else(|| format!("class{class}"));
            predictions.push(BoxPrediction {
                class,
                name,
                x: rect.x,
                y: rect.y,
                width: rect.width,
                height: rect.height,
            });
        }
        answers.push(Classified { image_width, image_height, predictions });
    }
    Ok(answers)
}

/// The image in `text` (base64 of PNG or JPEG bytes, optionally a `data:` URL), decoded as RGB;
/// the reason when it is not.
fn decode_image(text: &str) -> Result<RgbImage, String> {
    let text = text.trim();
    let payload = match text.strip_prefix("data:") {
        Some(url) => url.split_once(',').map(|(_, data)| data).ok_or("a data URL without a comma before its data")?,
        None => text,
    };
    let compact: String = payload.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(compact.trim_end_matches('='))
        .map_err(|error| format!("not base64: {error}"))?;
    let format = image::guess_format(&bytes).map_err(|_| {
        let start: String = bytes.iter().take(8).map(|byte| format!("{byte:02x}")).collect();
        format!("{} bytes that are not a PNG or JPEG (they start {start})", bytes.len())
    })?;
    let decoded = image::load_from_memory_with_format(&bytes, format)
        .map_err(|error| format!("a {format:?} image that does not decode: {error}"))?;
    Ok(decoded.to_rgb8())
}

/// The pixels of `pixel_box` in a `width`×`height` image: edges rounded to the nearest pixel and
/// clipped to the image, at least one pixel on each side; `None` when no pixel of the box is
/// inside the image.
fn clip(pixel_box: &PixelBox, width: u32, height: u32) -> Option<PixelRect> {
    let (x, box_width) = span(pixel_box.x, pixel_box.width, width)?;
    let (y, box_height) = span(pixel_box.y, pixel_box.height, height)?;
    Some(PixelRect { x, y, width: box_width, height: box_height })
}

/// The first pixel and the length of `start..start + length` in `0..side`, at least one pixel.
fn span(start: f64, length: f64, side: u32) -> Option<(u32, u32)> {
    let side_f = f64::from(side);
    let (low, high) = (start.round(), (start + length).round());
    if side == 0 || low >= side_f || high < 0.0 || (high <= 0.0 && length > 0.0) {
        return None;
    }
    let low = low.clamp(0.0, side_f - 1.0) as u32;
    let high = (high.clamp(0.0, side_f) as u32).max(low + 1);
    Some((low, high - low))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixel_box(x: f64, y: f64, width: f64, height: f64) -> PixelBox {
        PixelBox { x, y, width, height }
    }

    #[test]
    fn boxes_are_rounded_and_clipped_and_a_box_outside_is_none() {
        let rect = |x, y, width, height| Some(PixelRect { x, y, width, height });
        assert_eq!(clip(&pixel_box(3.0, 2.0, 7.0, 5.0), 24, 16), rect(3, 2, 7, 5));
        assert_eq!(clip(&pixel_box(2.6, 1.4, 7.0, 5.2), 24, 16), rect(3, 1, 7, 6));
        assert_eq!(clip(&pixel_box(-4.0, 10.0, 10.0, 20.0), 24, 16), rect(0, 10, 6, 6), "clipped");
        assert_eq!(clip(&pixel_box(5.0, 5.0, 0.0, 0.2), 24, 16), rect(5, 5, 1, 1), "one pixel at least");
        assert_eq!(clip(&pixel_box(24.0, 0.0, 3.0, 3.0), 24, 16), None, "right of the image");
        assert_eq!(clip(&pixel_box(-5.0, 0.0, 5.0, 3.0), 24, 16), None, "left of it");
        assert_eq!(clip(&pixel_box(0.0, 16.2, 3.0, 3.0), 24, 16), None, "below it");
    }

    #[test]
    fn an_image_that_is_not_base64_or_not_an_image_says_why() {
        assert!(decode_image("not base64!").unwrap_err().starts_with("not base64: "));
        let error = decode_image("aGVsbG8gd29ybGQ=").unwrap_err();
        assert_eq!(error, "11 bytes that are not a PNG or JPEG (they start 68656c6c6f20776f)");
        let error = decode_image("data:image/png;base64").unwrap_err();
        assert_eq!(error, "a data URL without a comma before its data");
        // A PNG's signature, then nothing.
        let error = decode_image("iVBORw0KGgo=").unwrap_err();
        assert!(error.starts_with("a Png image that does not decode: "), "{error}");
    }

    #[test]
    fn a_png_decodes_plain_as_a_data_url_and_wrapped() {
        let mut png = Vec::new();
        RgbImage::from_pixel(3, 2, image::Rgb([9, 8, 7]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let text = base64::engine::general_purpose::STANDARD.encode(&png);
        for sent in
            [text.clone(), format!("data:image/png;base64,{text}"), format!("{}\n{}\n", &text[..20], &text[20..])]
        {
            let image = decode_image(&sent).unwrap();
            assert_eq!((image.dimensions(), image.get_pixel(2, 1).0), ((3, 2), [9, 8, 7]));
        }
    }
}
