//! The console's HTML, rendered here from the views of [`super::view`]: the pages, and the
//! fragments live updates replace (a page of runs' rows, a job page's sections, log rows).

use super::chart;
use serde_json::Value;
use std::fmt::Write as _;

/// `text` with the characters HTML gives a meaning escaped.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A string field of a view, escaped (empty when absent).
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => escape(text),
        Value::Null => String::new(),
        other => escape(&other.to_string()),
    }
}

/// The page's style.
const STYLE: &str = include_str!("console.css");

/// The page's script: live updates. Inline with the style, so that a page is one request.
const SCRIPT: &str = include_str!("console.js");

/// A whole page: `body` inside the console's frame; `stream` the live updates' URL.
pub(crate) fn page(title: &str, stream: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title} · synapse console</title><style>{STYLE}</style></head>\
         <body data-stream=\"{stream}\"><header class=\"top\"><a href=\"/console/\">synapse console</a>\
         <span id=\"live\" class=\"live\" title=\"live updates\">connecting</span></header>\
         <main>{body}</main><script>{SCRIPT}</script></body></html>\n",
        title = escape(title),
        stream = escape(stream),
    )
}

/// A progress bar of `percent` (0 to 100), with its figure.
fn bar(id_or_class: &str, percent: f64) -> String {
    format!(
        "<progress {id_or_class} max=\"100\" value=\"{percent}\"></progress><span class=\"pct\">{percent:.0}%</span>"
    )
}

/// A status badge.
fn status(status: &Value) -> String {
    let status = text(status);
    format!("<span class=\"status {lower}\">{status}</span>", lower = status.to_lowercase())
}

/// The rows of a page of runs, from their summaries.
pub(crate) fn run_rows(summaries: &[Value]) -> String {
    let mut rows = String::with_capacity(summaries.len() * 400);
    for job in summaries {
        let what = match (job["plugin"].as_str(), job["action"].as_str()) {
            (Some(plugin), Some(action)) => format!("{} · {}", escape(plugin), escape(action)),
            (None, Some(action)) => escape(action),
            _ => "—".to_owned(),
        };
        let _ = write!(
            rows,
            "<tr data-job=\"{id}\"><td><a href=\"/console/jobs/{id}\">#{id}</a></td><td>{what}</td>\
             <td>{status}</td><td class=\"bar\">{bar}</td><td>{step}</td><td class=\"time\">{modified}</td></tr>",
            id = job["id"],
            status = status(&job["status"]),
            bar = bar("class=\"overall\"", job["overall"].as_f64().unwrap_or(0.0)),
            step = text(&job["step"]),
            modified = text(&job["modified"]),
        );
    }
    rows
}

/// The runs page's body: a page of `summaries` (page `page` of `pages`, `count` runs).
pub(crate) fn runs(summaries: &[Value], page: u64, pages: u64, count: u64) -> String {
    let mut nav = String::new();
    if page > 1 {
        let _ = write!(nav, "<a rel=\"prev\" href=\"/console/?page={}\">newer</a> ", page - 1);
    }
    let _ = write!(nav, "page {page} of {pages}");
    if page < pages {
        let _ = write!(nav, " <a rel=\"next\" href=\"/console/?page={}\">older</a>", page + 1);
    }
    format!(
        "<h1>Runs <small id=\"count\">{count}</small></h1><nav class=\"pages\">{nav}</nav>\
         <table id=\"runs\" data-page=\"{page}\"><thead><tr><th>job</th><th>run</th><th>status</th>\
         <th>progress</th><th>step</th><th>updated</th></tr></thead><tbody>{rows}</tbody></table>\
         <nav class=\"pages\">{nav}</nav>",
        rows = run_rows(summaries),
    )
}

/// The sections of a job page that live updates replace, by element id, from its detail.
pub(crate) fn job_sections(detail: &Value) -> Vec<(&'static str, String)> {
    vec![
        ("head", head(detail)),
        ("steps", steps(detail)),
        ("charts", charts(detail)),
        ("images", images(detail)),
        ("outcome", outcome(detail)),
    ]
}

/// A job page's body: its sections, then its log entries' rows.
pub(crate) fn job(detail: &Value, log_rows: &str) -> String {
    let mut body = String::new();
    for (id, html) in job_sections(detail) {
        let _ = write!(body, "<section id=\"{id}\">{html}</section>");
    }
    let _ = write!(
        body,
        "<section><h2>Logs</h2><table id=\"logs\" data-last=\"{last}\"><thead><tr><th>time</th><th>level</th>\
         <th>step</th><th>event</th><th>message</th></tr></thead><tbody>{log_rows}</tbody></table></section>",
        last = detail["last_log"],
    );
    body
}

fn head(detail: &Value) -> String {
    let parts = [&detail["plugin"], &detail["action"]];
    let what = parts.iter().filter_map(|part| part.as_str()).map(escape).collect::<Vec<_>>().join(" · ");
    format!(
        "<h1>Job #{id} <small>{what}</small> {status}</h1><div class=\"overall-row\">{bar}\
         <span class=\"step-now\">{step}</span></div><p class=\"time\">created {created}, updated {modified}</p>",
        id = detail["id"],
        status = status(&detail["status"]),
        bar = bar("id=\"overall\"", detail["overall"].as_f64().unwrap_or(0.0)),
        step = text(&detail["step"]),
        created = text(&detail["created"]),
        modified = text(&detail["modified"]),
    )
}

fn steps(detail: &Value) -> String {
    let Some(steps) = detail["steps"].as_array().filter(|steps| !steps.is_empty()) else { return String::new() };
    let mut rows = String::new();
    for step in steps {
        let share = step["proportion"].as_f64().map(|share| format!("{share}% of the run")).unwrap_or_default();
        let _ = write!(
            rows,
            "<tr data-step=\"{name}\"><td>{name}</td><td class=\"bar\">{bar}</td><td class=\"share\">{share}</td></tr>",
            name = text(&step["name"]),
            bar = bar("class=\"step\"", step["percent"].as_f64().unwrap_or(0.0)),
        );
    }
    format!("<h2>Steps</h2><table class=\"steps\"><tbody>{rows}</tbody></table>")
}

fn charts(detail: &Value) -> String {
    let Some(metrics) = detail["metrics"].as_array().filter(|metrics| !metrics.is_empty()) else {
        return String::new();
    };
    let mut html = String::from("<h2>Metrics</h2><div class=\"charts\">");
    for metric in metrics {
        html.push_str(&chart::svg(metric));
    }
    html.push_str("</div>");
    html
}

fn images(detail: &Value) -> String {
    let Some(images) = detail["images"].as_array().filter(|images| !images.is_empty()) else {
        return String::new();
    };
    let mut html = String::from("<h2>Visualizations</h2><div class=\"images\">");
    for image in images {
        let label = [&image["category"], &image["group"], &image["index"]]
            .iter()
            .filter(|part| !part.is_null())
            .map(|part| text(part))
            .collect::<Vec<_>>()
            .join(" / ");
        let _ = write!(
            html,
            "<figure class=\"visualization\"><img src=\"{url}\" alt=\"{label}\" loading=\"lazy\">\
             <figcaption>{label} {caption}</figcaption></figure>",
            url = text(&image["url"]),
            caption = text(&image["caption"]),
        );
    }
    html.push_str("</div>");
    html
}

fn outcome(detail: &Value) -> String {
    let mut html = String::new();
    if !detail["result"].is_null() {
        let pretty = serde_json::to_string_pretty(&detail["result"]).unwrap_or_default();
        let _ = write!(html, "<h2>Result</h2><pre id=\"result\">{}</pre>", escape(&pretty));
    }
    if !detail["error"].is_null() {
        let _ = write!(
            html,
            "<h2>Error</h2><p id=\"error\" class=\"error\"><span class=\"kind\">{kind}</span> {message}</p>",
            kind = text(&detail["error"]["kind"]),
            message = text(&detail["error"]["message"]),
        );
    }
    if let Some(rollbacks) = detail["rollbacks"].as_array().filter(|rollbacks| !rollbacks.is_empty()) {
        html.push_str("<h2>Rollbacks</h2><ol id=\"rollbacks\">");
        for rollback in rollbacks {
            let error = rollback["error"].as_str().map(|error| format!(": {}", escape(error))).unwrap_or_default();
            let _ = write!(
                html,
                "<li data-step=\"{step}\" class=\"{class}\"><b>{step}</b> {outcome}{error}</li>",
                step = text(&rollback["step"]),
                outcome = text(&rollback["outcome"]),
                class = text(&rollback["outcome"]).replace(' ', "-"),
            );
        }
        html.push_str("</ol>");
    }
    html
}

/// The rows of log entries (as `logs/` shows them).
pub(crate) fn log_rows(entries: &[Value]) -> String {
    let mut rows = String::with_capacity(entries.len() * 200);
    for entry in entries {
        let data = &entry["data"];
        let message = match data["content"].as_str() {
            Some(content) => escape(content),
            None if data.as_object().is_some_and(|data| data.is_empty()) => String::new(),
            None => format!("<code>{}</code>", escape(&data.to_string())),
        };
        let file =
            entry["file"].as_str().map(|url| format!(" <a href=\"{}\">file</a>", escape(url))).unwrap_or_default();
        let _ = write!(
            rows,
            "<tr data-log=\"{id}\" class=\"level-{level}\"><td class=\"time\">{time}</td><td>{level}</td>\
             <td>{step}</td><td>{event}</td><td>{message}{file}</td></tr>",
            id = entry["id"],
            time = text(&entry["datetime"]),
            level = text(&entry["level"]),
            step = text(&entry["step"]),
            event = text(&entry["event"]),
        );
    }
    rows
}
