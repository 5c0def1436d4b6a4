//! The presigned upload into storage 2's S3 bucket ([`crate::s3`]): the URLs handed out are S3's
//! own (SigV4, signed with the record's credentials; a multipart upload started in the bucket for
//! files above [`PART_SIZE`], its `UploadPart` requests presigned), and the confirmation completes
//! a multipart upload, then reads the object back and checks it against the SHA-1 and size the
//! client reports before making it a data file, its content copied into the media directory.

use super::checksum;
use super::presigned::{PART_SIZE, Target, record};
use crate::drf::ApiError;
use crate::routes::Shared;
use crate::s3::Bucket;
use crate::store::data::presigned::Presigned;
use serde_json::Value;
use std::time::Duration;

/// The most parts an S3 multipart upload may have.
const MAX_PARTS: u64 = 10_000;

/// Where a file of `size` bytes goes in `bucket`, under `file_key`: one presigned `PUT` up to
/// [`PART_SIZE`], else a multipart upload of [`PART_SIZE`] parts (larger when the file would
/// need more than 10 000), each part's `UploadPart` presigned. URLs valid for `expires`.
pub(super) async fn target(bucket: &Bucket, file_key: &str, size: u64, expires: Duration) -> Result<Target, ApiError> {
    if size <= PART_SIZE {
        return Ok(Target::Single(bucket.sign_put(file_key, expires).await?));
    }
    let part_size = PART_SIZE.max(size.div_ceil(MAX_PARTS));
    let upload_id = bucket.create_multipart(file_key).await?;
    let mut urls = Vec::new();
    for number in 1..=size.div_ceil(part_size) {
        urls.push(bucket.sign_part(file_key, &upload_id, number, expires).await?);
    }
    Ok(Target::Multipart { upload_id, part_size, urls })
}

/// The confirmation of `upload`, presigned into bucket `bucket_name`: `Ok(Ok((data file id,
/// checksum)))`, or `Ok(Err(why))`, naming the file, for a failure of this file alone (the bucket
/// not reachable, parts missing or refused by S3, no object, a SHA-1 or size that is not the
/// object's: then the object is removed).
pub(super) async fn confirm_one(
    app: &Shared,
    bucket_name: &str,
    upload: &Presigned,
    given: &str,
    item: &Value,
) -> Result<Result<(i64, String), String>, ApiError> {
    let (key, name) = (upload.file_key.as_str(), upload.filename.as_str());
    let bucket = match app.bucket.bucket().await {
        Some(bucket) if bucket.name() == bucket_name => bucket,
        _ => return Ok(Err(format!("{name}: bucket {bucket_name}, which `{key}` was put into, cannot be reached."))),
    };
    if let Some(upload_id) = &upload.upload_id {
        let etags = match etags(upload_id, upload.parts.unwrap_or(0), item.get("multipart")) {
            Ok(etags) => etags,
            Err(why) => return Ok(Err(format!("{name}: {why}"))),
        };
        if let Err(why) = bucket.complete(key, upload_id, etags).await {
            return Ok(Err(format!("{name}: {why}")));
        }
    }
    let Some(bytes) = bucket.fetch(key).await? else {
        return Ok(Err(format!("{name}: nothing was uploaded to `{key}` in bucket {bucket_name}.")));
    };
    let stored = checksum(&bytes);
    let size = bytes.len() as u64;
    let given_size = item.get("size").and_then(Value::as_u64);
    let mismatch = if stored == given {
        given_size.filter(|given| *given != size).map(|given_size| {
            format!("size mismatch: object `{key}` in bucket {bucket_name} has {size} bytes, the confirmation says {given_size}.")
        })
    } else {
        Some(format!(
            "checksum mismatch: object `{key}` in bucket {bucket_name} has SHA-1 {stored}, the confirmation says {given:?}."
        ))
    };
    if let Some(why) = mismatch {
        bucket.remove(key).await?;
        return Ok(Err(format!("{name}: {why}")));
    }
    app.media.write(key, &bytes).await?;
    let id = record(app, key, name, &stored, size).await?;
    Ok(Ok((id, stored)))
}

/// The ETags of parts 1 to `count`, in order, from the confirmation's `multipart` (which must name
/// `upload_id`).
fn etags(upload_id: &str, count: i64, given: Option<&Value>) -> Result<Vec<String>, String> {
    let given = given.ok_or("it was uploaded in parts: `multipart` is required.")?;
    if given.get("upload_id").and_then(Value::as_str) != Some(upload_id) {
        return Err(format!("multipart.upload_id is not this file's upload ({upload_id})."));
    }
    let parts = given.get("parts").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    (1..=count)
        .map(|number| {
            parts
                .iter()
                .find(|part| part.get("part_number").and_then(Value::as_i64) == Some(number))
                .and_then(|part| part.get("etag").and_then(Value::as_str))
                .map(str::to_owned)
                .ok_or_else(|| format!("part {number} of {count} is missing from the confirmation."))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::etags;
    use serde_json::json;

    #[test]
    fn the_confirmation_gives_every_parts_etag_in_order() {
        let given =
            json!({"upload_id": "u", "parts": [{"part_number": 2, "etag": "\"b\""}, {"part_number": 1, "etag": "a"}]});
        assert_eq!(etags("u", 2, Some(&given)), Ok(vec!["a".to_owned(), "\"b\"".to_owned()]));
        assert_eq!(etags("u", 3, Some(&given)), Err("part 3 of 3 is missing from the confirmation.".to_owned()));
        assert!(etags("v", 2, Some(&given)).is_err_and(|why| why.contains("(v)")));
        assert!(etags("u", 2, None).is_err_and(|why| why.contains("`multipart` is required")));
    }
}
