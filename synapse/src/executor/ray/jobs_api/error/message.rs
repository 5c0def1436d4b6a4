//! Ray's error bodies read as one message: the innermost exception of a Python traceback,
//! without its class name, or the title and text of an HTML page. `classify.rs` puts the
//! message in the matching [`RayError`](super::RayError).

/// The message in a Ray error body.
///
/// Ray answers errors with `text/plain`: sometimes one line ("Job x does not exist"), often a
/// Python traceback, sometimes a traceback quoted inside another exception's message. This
/// returns what the innermost exception says, without its class name: for a duplicate
/// submission id, "Job with submission_id t1 already exists. Please use a different
/// submission_id.". HTML bodies give their title.
pub(crate) fn ray_message(body: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        return "an empty answer (is a Ray dashboard listening there?)".to_owned();
    }
    if body.starts_with('<') {
        return html_text(body);
    }
    let lines: Vec<&str> = body.lines().collect();
    const MARKER: &str = "Traceback (most recent call last):";
    let message_lines: Vec<&str> = match lines.iter().rposition(|line| line.contains(MARKER)) {
        Some(start) => {
            // After the header come the frames (indented), then the exception (not indented).
            let rest = &lines[start + 1..];
            match rest.iter().position(|line| !line.is_empty() && !line.starts_with([' ', '\t'])) {
                Some(first) => rest[first..].to_vec(),
                None => rest.to_vec(),
            }
        }
        None => lines,
    };
    let meaningful: Vec<&str> = message_lines
        .iter()
        .map(|line| line.trim_end())
        .filter(|line| line.chars().any(char::is_alphanumeric))
        .filter(|line| !is_status_line(line))
        .collect();
    let Some((first, rest)) = meaningful.split_first() else {
        return body.chars().take(200).collect();
    };
    let mut message = strip_exception_name(first).to_owned();
    for line in rest {
        message.push('\n');
        message.push_str(line);
    }
    message
}

/// `500 Internal Server Error`, as aiohttp prefixes some bodies.
fn is_status_line(line: &str) -> bool {
    let mut parts = line.splitn(2, ' ');
    matches!((parts.next(), parts.next()), (Some(code), Some(_)) if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
        && !line.contains(':')
}

/// `ValueError: Job … exists` → `Job … exists`; lines that do not start with an exception name
/// are kept whole.
fn strip_exception_name(line: &str) -> &str {
    let Some((name, message)) = line.split_once(": ") else {
        return line;
    };
    let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    let last = name.rsplit('.').next().unwrap_or(name);
    let exception = ["Error", "Exception", "Exit", "Interrupt", "Warning"].iter().any(|suffix| last.ends_with(suffix));
    if plain && exception { message.trim() } else { line }
}

/// What an HTML error page says: its title, and the first line of its text that is not the
/// title again (a proxy's or server's error page: "502 Bad Gateway", "Server got itself in
/// trouble"); never its markup.
fn html_text(body: &str) -> String {
    let lower = body.to_ascii_lowercase();
    let title = (|| {
        let start = lower.find("<title>")? + "<title>".len();
        let end = lower[start..].find("</title>")? + start;
        Some(collapse(&body[start..end]))
    })()
    .filter(|title| !title.is_empty());
    // The text outside tags (and outside <head>, <script> and <style>), one line per block.
    let mut text = String::new();
    let mut rest = body;
    let mut skip_until: Option<&str> = None;
    while let Some(open) = rest.find('<') {
        if skip_until.is_none() {
            text.push_str(&rest[..open]);
        }
        let Some(close) = rest[open..].find('>') else { break };
        let tag = rest[open + 1..open + close].trim().to_ascii_lowercase();
        let name = tag.trim_start_matches('/').split([' ', '\t', '\n', '/']).next().unwrap_or_default().to_owned();
        match skip_until {
            Some(end) if tag.starts_with('/') && name == end => skip_until = None,
            Some(_) => {}
            None if matches!(name.as_str(), "head" | "script" | "style") && !tag.starts_with('/') => {
                skip_until = Some(match name.as_str() {
                    "head" => "head",
                    "script" => "script",
                    _ => "style",
                });
            }
            None => text.push('\n'),
        }
        rest = &rest[open + close + 1..];
    }
    if skip_until.is_none() {
        text.push_str(rest);
    }
    let detail = text.lines().map(collapse).find(|line| !line.is_empty() && Some(line) != title.as_ref());
    let message = match (title, detail) {
        (Some(title), Some(detail)) => format!("{title}: {detail}"),
        (Some(title), None) => title,
        (None, Some(detail)) => detail,
        (None, None) => "an HTML page without text".to_owned(),
    };
    message.chars().take(300).collect()
}

/// `text` with entities for the common characters decoded and whitespace runs collapsed.
fn collapse(text: &str) -> String {
    let decoded = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::tracebacks::{BAD_TYPE, DUPLICATE};
    use super::*;

    #[test]
    fn nested_traceback_gives_the_innermost_message() {
        assert_eq!(
            ray_message(DUPLICATE),
            "Job with submission_id probe-2 already exists. Please use a different submission_id."
        );
    }

    #[test]
    fn traceback_message_loses_the_exception_name() {
        assert_eq!(ray_message(BAD_TYPE), "entrypoint_num_cpus must be a number, got <class 'str'>");
        let delete = "Traceback (most recent call last):\n  File \"x.py\", line 1, in f\n    g()\n\
                      RuntimeError: Attempted to delete job 'long-2', but it is in a non-terminal state RUNNING.\n";
        assert_eq!(ray_message(delete), "Attempted to delete job 'long-2', but it is in a non-terminal state RUNNING.");
    }

    #[test]
    fn plain_bodies_are_kept() {
        assert_eq!(ray_message("Job nope does not exist"), "Job nope does not exist");
        assert_eq!(
            ray_message("Unauthorized: Missing authentication token"),
            "Unauthorized: Missing authentication token"
        );
        assert_eq!(
            ray_message("500 Internal Server Error\n\nServer got itself in trouble"),
            "Server got itself in trouble"
        );
        assert_eq!(ray_message("A file is not found at: /tmp/x.log"), "A file is not found at: /tmp/x.log");
        assert_eq!(
            ray_message("TypeError: JobSubmitRequest.__init__() got an unexpected keyword argument 'bogus'"),
            "JobSubmitRequest.__init__() got an unexpected keyword argument 'bogus'"
        );
        assert_eq!(ray_message("<html><head><title>404 Not Found</title></head></html>"), "404 Not Found");
        let page = "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title>\n<style>body { color: red }</style></head>\n\
                    <body><h1>500 Internal Server Error</h1>\n<p>Server got itself in&nbsp;trouble &amp; gave up</p>\n\
                    <script>var x = '<b>';</script></body></html>";
        assert_eq!(ray_message(page), "500 Internal Server Error: Server got itself in trouble & gave up");
        assert_eq!(ray_message("<p>bad gateway</p>"), "bad gateway");
        assert_eq!(ray_message("<html></html>"), "an HTML page without text");
        assert_eq!(ray_message("404: Not Found"), "404: Not Found");
    }
}
