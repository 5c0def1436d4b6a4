//! The image-processing workflow of the Synapse plugin docs, on real files.
//!
//! `process_images` runs three steps over an [`ImageJob`]:
//!
//! 1. [`DiscoverImages`] (10 %) finds the PNG and JPEG files of `input_dir` and makes sure
//!    `output_dir` exists;
//! 2. [`ResizeImages`] (70 %) resizes each one to `resize_width` pixels wide (keeping its aspect
//!    ratio) into `output_dir`;
//! 3. [`GenerateReport`] (20 %) writes `output_dir/report.json`.
//!
//! Each step records what it wrote; when a step fails, everything written so far is deleted
//! again, so a failed run leaves `output_dir` as it found it. The `fail_at` param makes a step
//! fail halfway through its work, to see that happen.
//!
//! ```text
//! cargo run -p image_pipeline -- run process_images \
//!     --params '{"input_dir": "examples/image_pipeline/samples", "output_dir": "/tmp/resized"}'
//! ```

use std::path::{Path, PathBuf};
use synapse::prelude::*;

synapse::plugin!(name = "Image Pipeline", category = PreAnnotation);

/// A step of the workflow, to make fail on purpose.
#[params]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepName {
    /// The discovery step.
    DiscoverImages,
    /// The resizing step.
    ResizeImages,
    /// The report step.
    GenerateReport,
}

/// Parameters of `process_images`.
#[params]
#[derive(Debug, Clone)]
pub struct ImageParams {
    /// Folder with the PNG and JPEG images to resize
    pub input_dir: PathBuf,
    /// Folder to write the resized images and the report into (created when missing)
    pub output_dir: PathBuf,
    /// Width of the resized images in pixels; heights keep the aspect ratio
    #[param(default = 800, range(min = 1, max = 16_384))]
    pub resize_width: u32,
    /// Make this step fail halfway through its work (for demos and tests)
    #[param(default)]
    pub fail_at: Option<StepName>,
}

/// One resized image.
#[output]
#[derive(Debug, Clone, PartialEq)]
pub struct ResizedImage {
    /// The original file.
    pub source: PathBuf,
    /// The resized file.
    pub output: PathBuf,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
}

/// The result of `process_images`.
#[output]
#[derive(Debug, Clone, PartialEq)]
pub struct ImageReport {
    /// How many images were resized.
    pub images: usize,
    /// Where they are.
    pub output_dir: PathBuf,
    /// The JSON report.
    pub report_path: PathBuf,
    /// Each image.
    pub resized: Vec<ResizedImage>,
}

/// The state the steps share.
#[derive(Debug)]
pub struct ImageJob {
    /// The params.
    pub params: ImageParams,
    /// The images found by discovery, sorted.
    pub images: Vec<PathBuf>,
    /// The images resized so far.
    pub resized: Vec<ResizedImage>,
    /// The report, once written.
    pub report_path: Option<PathBuf>,
}

impl ImageJob {
    /// A job for `params`, before any step ran.
    pub fn new(params: ImageParams) -> Self {
        ImageJob { params, images: Vec::new(), resized: Vec::new(), report_path: None }
    }

    fn fail_here(&self, step: StepName) -> Result<()> {
        if self.params.fail_at == Some(step) {
            bail!("failing on purpose (fail_at = {})", step_name(step));
        }
        Ok(())
    }
}

fn step_name(step: StepName) -> &'static str {
    match step {
        StepName::DiscoverImages => "discover_images",
        StepName::ResizeImages => "resize_images",
        StepName::GenerateReport => "generate_report",
    }
}

/// Whether a path names an image this pipeline reads.
pub fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|ext| matches!(ext.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"))
}

/// Finds the images and prepares the output folder.
#[step(weight = 0.1)]
pub struct DiscoverImages;

/// What discovery changed: whether it created the output folder (and which parents).
#[derive(Debug, Default)]
pub struct CreatedDirs(Vec<PathBuf>);

impl Step<ImageJob> for DiscoverImages {
    type Undo = CreatedDirs;

    async fn execute(&self, cx: &mut StepCx<'_, ImageJob>, created: &mut CreatedDirs) -> Result<()> {
        let input = cx.params.input_dir.clone();
        let entries =
            std::fs::read_dir(&input).with_context(|| format!("cannot read the input folder {}", input.display()))?;
        let mut images: Vec<PathBuf> =
            entries.flatten().map(|e| e.path()).filter(|p| p.is_file() && is_image(p)).collect();
        images.sort();
        ensure!(!images.is_empty(), "no PNG or JPEG images in {}", input.display());
        // Create the output folder (and any missing parents), remembering which ones we made.
        let mut missing = Vec::new();
        let mut dir = Some(cx.params.output_dir.as_path());
        while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            missing.push(d.to_owned());
            dir = d.parent();
        }
        for dir in missing.into_iter().rev() {
            std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
            created.0.push(dir);
        }
        cx.set_progress(1, 2);
        cx.fail_here(StepName::DiscoverImages)?;
        cx.log("images_found", json!({ "count": images.len(), "input_dir": input }));
        cx.set_output(json!({ "images": images.len(), "created_dirs": created.0 }));
        cx.images = images;
        cx.set_progress(2, 2);
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, ImageJob>, created: CreatedDirs) -> Result<()> {
        cx.images.clear();
        for dir in created.0.iter().rev() {
            std::fs::remove_dir(dir)
                .with_context(|| format!("cannot remove the folder {} this run created", dir.display()))?;
        }
        Ok(())
    }
}

/// Resizes every image into the output folder.
#[step(weight = 0.7)]
pub struct ResizeImages;

impl Step<ImageJob> for ResizeImages {
    /// The files written so far.
    type Undo = Vec<PathBuf>;

    async fn execute(&self, cx: &mut StepCx<'_, ImageJob>, written: &mut Vec<PathBuf>) -> Result<()> {
        let total = cx.images.len() as u64;
        let width = cx.params.resize_width;
        for (i, source) in cx.images.clone().into_iter().enumerate() {
            cx.check_cancelled()?;
            if i == 1 {
                cx.fail_here(StepName::ResizeImages)?;
            }
            let name = source.file_name().map(PathBuf::from).unwrap_or_else(|| PathBuf::from(format!("image-{i}.png")));
            let output = cx.params.output_dir.join(name);
            ensure!(!output.exists(), "{} already exists; choose an empty output folder", output.display());
            written.push(output.clone());
            let job = (source.clone(), output.clone());
            // Tracked for the run: if the run fails or is cancelled meanwhile, the rollback waits
            // for this write to end before it deletes what was written.
            let (out_width, out_height) =
                cx.spawn_blocking(move || resize(&job.0, &job.1, width)).await.context("the resize task stopped")??;
            cx.resized.push(ResizedImage { source, output, width: out_width, height: out_height });
            cx.set_progress(i as u64 + 1, total);
        }
        cx.set_metrics(metrics! { images_resized: cx.resized.len() }, "resize");
        cx.set_output(json!({ "resized": cx.resized.len(), "width": width }));
        if total == 1 {
            cx.fail_here(StepName::ResizeImages)?;
        }
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, ImageJob>, written: Vec<PathBuf>) -> Result<()> {
        cx.resized.clear();
        for path in written.iter().filter(|p| p.exists()) {
            std::fs::remove_file(path).with_context(|| format!("cannot delete {}", path.display()))?;
        }
        Ok(())
    }
}

/// Decodes `source`, resizes it to `width` keeping the aspect ratio, and writes `output`.
fn resize(source: &Path, output: &Path, width: u32) -> Result<(u32, u32)> {
    let image = image::open(source).with_context(|| format!("cannot decode {}", source.display()))?;
    let height = ((u64::from(image.height()) * u64::from(width)) / u64::from(image.width().max(1))).max(1);
    let height = u32::try_from(height).unwrap_or(u32::MAX);
    let resized = image.resize_exact(width, height, image::imageops::FilterType::Triangle);
    resized.save(output).with_context(|| format!("cannot write {}", output.display()))?;
    Ok((width, height))
}

/// Writes `report.json` into the output folder.
#[step(weight = 0.2)]
pub struct GenerateReport;

impl Step<ImageJob> for GenerateReport {
    /// The report file, once written.
    type Undo = Option<PathBuf>;

    async fn execute(&self, cx: &mut StepCx<'_, ImageJob>, written: &mut Option<PathBuf>) -> Result<()> {
        let path = cx.params.output_dir.join("report.json");
        let report = json!({
            "input_dir": cx.params.input_dir,
            "resize_width": cx.params.resize_width,
            "images": cx.resized,
        });
        let text = synapse::serde_json::to_string_pretty(&report)?;
        *written = Some(path.clone());
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        cx.fail_here(StepName::GenerateReport)?;
        cx.set_output(json!({ "report": path }));
        cx.report_path = Some(path);
        cx.set_progress(1, 1);
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, ImageJob>, written: Option<PathBuf>) -> Result<()> {
        cx.report_path = None;
        if let Some(path) = written.filter(|p| p.exists()) {
            std::fs::remove_file(&path).with_context(|| format!("cannot delete {}", path.display()))?;
        }
        Ok(())
    }
}

/// The three steps, in order; their weights sum to 1.
#[workflow(context = ImageJob)]
pub struct ImageWorkflow(DiscoverImages, ResizeImages, GenerateReport);

/// Resize a folder of images, with a JSON report; a failed run leaves nothing behind.
#[action(category = PreAnnotation, workflow = ImageWorkflow)]
pub struct ProcessImages;

impl Action for ProcessImages {
    type Params = ImageParams;
    type Output = ImageReport;

    async fn execute(&self, params: ImageParams, ctx: &Context) -> Result<ImageReport> {
        let mut job = ImageJob::new(params);
        ImageWorkflow::run(ctx, &mut job).await?;
        let report_path = job.report_path.context("the report step did not record its file")?;
        Ok(ImageReport {
            images: job.resized.len(),
            output_dir: job.params.output_dir,
            report_path,
            resized: job.resized,
        })
    }
}
