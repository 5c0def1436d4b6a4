//! A metric's curves as an inline SVG line chart: one line and one circle per point for each
//! category (`train`, `validation`…), the x axis the epoch (or the order of the updates).

use super::html::escape;
use serde_json::Value;
use std::fmt::Write as _;

const WIDTH: f64 = 420.0;
const HEIGHT: f64 = 200.0;
/// Room for the axes' labels: left, right, top, bottom.
const PAD: (f64, f64, f64, f64) = (48.0, 12.0, 12.0, 28.0);
/// The colours of the categories, in order.
const COLOURS: [&str; 6] = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];

/// The smallest and largest of `values`, apart when they are equal.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), v| (low.min(v), high.max(v)));
    if !low.is_finite() {
        return (0.0, 1.0);
    }
    if (high - low).abs() < f64::EPSILON { (low - 0.5, high + 0.5) } else { (low, high) }
}

/// A number short enough for an axis label.
fn label(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e9 {
        format!("{value:.0}")
    } else if value.abs() >= 0.01 && value.abs() < 1e5 {
        format!("{value:.3}").trim_end_matches('0').to_owned()
    } else {
        format!("{value:.2e}")
    }
}

/// The chart of `metric` (`{name, x, series: [{category, points: [[x, y]]}]}`), in a figure
/// whose `data-metric` is its name; each point a `circle.point` with its category and x.
pub(crate) fn svg(metric: &Value) -> String {
    let name = metric["name"].as_str().unwrap_or_default();
    let series: Vec<(&str, Vec<(f64, f64)>)> = metric["series"]
        .as_array()
        .map(|series| {
            series
                .iter()
                .map(|curve| {
                    let points = curve["points"].as_array().map(Vec::as_slice).unwrap_or_default();
                    let points = points
                        .iter()
                        .filter_map(|point| Some((point[0].as_f64()?, point[1].as_f64()?)))
                        .collect::<Vec<_>>();
                    (curve["category"].as_str().unwrap_or_default(), points)
                })
                .collect()
        })
        .unwrap_or_default();
    let all = || series.iter().flat_map(|(_, points)| points.iter().copied());
    let (x_low, x_high) = range(all().map(|(x, _)| x));
    let (y_low, y_high) = range(all().map(|(_, y)| y));
    let (left, right, top, bottom) = PAD;
    let plot_x = |x: f64| left + (x - x_low) / (x_high - x_low) * (WIDTH - left - right);
    let plot_y = |y: f64| HEIGHT - bottom - (y - y_low) / (y_high - y_low) * (HEIGHT - top - bottom);

    let mut svg = format!(
        "<figure class=\"chart\" data-metric=\"{name}\"><figcaption>{name}</figcaption>\
         <svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{name} by {x}\">\
         <line class=\"axis\" x1=\"{left}\" y1=\"{base}\" x2=\"{right_end}\" y2=\"{base}\"/>\
         <line class=\"axis\" x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{base}\"/>\
         <text x=\"{left_label}\" y=\"{top_label}\" text-anchor=\"end\">{y_high}</text>\
         <text x=\"{left_label}\" y=\"{base}\" text-anchor=\"end\">{y_low}</text>\
         <text x=\"{left}\" y=\"{x_label_y}\">{x_low}</text>\
         <text x=\"{right_end}\" y=\"{x_label_y}\" text-anchor=\"end\">{x_high}</text>\
         <text x=\"{middle}\" y=\"{x_label_y}\" text-anchor=\"middle\">{x}</text>",
        name = escape(name),
        x = escape(metric["x"].as_str().unwrap_or("epoch")),
        base = HEIGHT - bottom,
        right_end = WIDTH - right,
        left_label = left - 4.0,
        top_label = top + 8.0,
        x_label_y = HEIGHT - 8.0,
        middle = (left + WIDTH - right) / 2.0,
        y_high = label(y_high),
        y_low = label(y_low),
        x_low = label(x_low),
        x_high = label(x_high),
    );
    for (index, (category, points)) in series.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let category = escape(category);
        let line: Vec<String> = points.iter().map(|&(x, y)| format!("{:.1},{:.1}", plot_x(x), plot_y(y))).collect();
        let _ = write!(
            svg,
            "<polyline class=\"curve\" data-category=\"{category}\" fill=\"none\" stroke=\"{colour}\" \
             points=\"{}\"/>",
            line.join(" ")
        );
        for &(x, y) in points {
            let _ = write!(
                svg,
                "<circle class=\"point\" data-category=\"{category}\" data-x=\"{x}\" cx=\"{:.1}\" cy=\"{:.1}\" \
                 r=\"2.5\" fill=\"{colour}\"><title>{category} {x}: {y}</title></circle>",
                plot_x(x),
                plot_y(y),
            );
        }
    }
    svg.push_str("</svg><div class=\"legend\">");
    for (index, (category, _)) in series.iter().enumerate() {
        let _ = write!(
            svg,
            "<span><i style=\"background:{}\"></i>{}</span>",
            COLOURS[index % COLOURS.len()],
            escape(category)
        );
    }
    svg.push_str("</div></figure>");
    svg
}
