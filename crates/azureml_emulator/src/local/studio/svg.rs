//! Charts as SVG rendered on the server: a time axis, a "nice" value axis, one line or one
//! stacked bar layer per series, an HTML legend and the numbers as a table for screen readers
//! and for anyone who wants them. No script is needed to see a chart, nothing is fetched from
//! elsewhere, and a chart of 60 points is a few kilobytes of markup.

use std::fmt::Write as _;

use time::OffsetDateTime;

use super::html::esc;

/// Drawing size (the SVG scales to its box; CSS sets the width).
const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 230.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;
/// Colours cycle after this many series (`s0`…`s7` in the stylesheet).
const PALETTE: usize = 8;

/// How the series are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// One line per series; gaps where a bucket has no value.
    Lines,
    /// Bars per time bucket, the series stacked (for counts).
    StackedBars,
}

/// One series: a name and one value (or none) per time bucket.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Series {
    pub(crate) name: String,
    /// A colour class of its own (`c-ok`, `c-warn`, `c-err`); otherwise the palette's by position.
    pub(crate) class: Option<&'static str>,
    pub(crate) values: Vec<Option<f64>>,
}

impl Series {
    fn class(&self, n: usize) -> String {
        match self.class {
            Some(c) => c.to_owned(),
            None => format!("s{}", n % PALETTE),
        }
    }
}

/// A chart over `count` buckets of `step` seconds from `start`.
#[derive(Clone, Debug)]
pub(crate) struct Chart {
    /// Element id (also the prefix of the caption's id).
    pub(crate) id: String,
    pub(crate) title: String,
    /// Unit shown on the value axis and in the table header (`ms`, `%`, `requests`).
    pub(crate) unit: String,
    pub(crate) start: OffsetDateTime,
    pub(crate) step: i64,
    pub(crate) count: usize,
    pub(crate) style: Style,
    /// Fixed top of the value axis (100 for percentages); otherwise a nice number above the data.
    pub(crate) max: Option<f64>,
    pub(crate) series: Vec<Series>,
}

impl Chart {
    /// The sum of every value (what a count chart shows in total).
    pub(crate) fn total(&self) -> f64 {
        self.series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .sum()
    }

    fn data_max(&self) -> f64 {
        match self.style {
            Style::Lines => self
                .series
                .iter()
                .flat_map(|s| s.values.iter().flatten())
                .fold(0.0, |m: f64, v| m.max(*v)),
            Style::StackedBars => (0..self.count)
                .map(|i| {
                    self.series
                        .iter()
                        .filter_map(|s| s.values.get(i).copied().flatten())
                        .sum::<f64>()
                })
                .fold(0.0, f64::max),
        }
    }

    /// The chart as a `<figure>`: the SVG, a legend, a caption with the total or the range, and
    /// the numbers in a collapsed table.
    pub(crate) fn render(&self) -> String {
        let max = self.max.unwrap_or_else(|| nice_ceiling(self.data_max()));
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let count = self.count.max(1);
        let slot = plot_w / count as f64;
        let x = |i: usize| LEFT + slot * (i as f64 + 0.5);
        let y = |v: f64| TOP + plot_h - (v / max).clamp(0.0, 1.0) * plot_h;
        let has_data = self
            .series
            .iter()
            .any(|s| s.values.iter().any(Option::is_some));
        let summary = self.summary(has_data);

        let mut out = String::with_capacity(4096);
        let _ = write!(
            out,
            "<figure class=\"chart\" id=\"{id}\" data-total=\"{total}\" data-points=\"{points}\">\
             <figcaption id=\"{id}-t\"><span class=\"ct\">{title}</span> <span class=\"cs\">{summary}</span></figcaption>\
             <svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-labelledby=\"{id}-t\" focusable=\"false\">",
            id = esc(&self.id),
            total = fmt_number(self.total()),
            points = self
                .series
                .iter()
                .map(|s| s.values.iter().flatten().count())
                .sum::<usize>(),
            title = esc(&self.title),
            summary = esc(&summary),
        );
        // Value axis: four intervals with labels.
        for k in 0..=4 {
            let v = max * f64::from(k) / 4.0;
            let gy = y(v);
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{gy:.1}\" y2=\"{gy:.1}\"/>\
                 <text class=\"ax\" x=\"{tx}\" y=\"{ty:.1}\" text-anchor=\"end\">{label}</text>",
                x2 = WIDTH - RIGHT,
                tx = LEFT - 6.0,
                ty = gy + 4.0,
                label = esc(&fmt_number(v)),
            );
        }
        // Time axis: about six labels, on whole buckets.
        let every = count.div_ceil(6).max(1);
        for i in (0..count).step_by(every) {
            let at = self.start + time::Duration::seconds(self.step * i as i64);
            let _ = write!(
                out,
                "<text class=\"ax\" x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x(i),
                HEIGHT - 10.0,
                clock(at, self.step)
            );
        }
        let _ = write!(
            out,
            "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{b}\" y2=\"{b}\"/>",
            x2 = WIDTH - RIGHT,
            b = TOP + plot_h
        );
        match self.style {
            Style::Lines => {
                for (n, series) in self.series.iter().enumerate() {
                    let class = series.class(n);
                    let mut run: Vec<(f64, f64)> = Vec::new();
                    let flush = |run: &mut Vec<(f64, f64)>, out: &mut String| {
                        match run.len() {
                            0 => {}
                            1 => {
                                let _ = write!(
                                    out,
                                    "<circle class=\"{class}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\"/>",
                                    run[0].0, run[0].1
                                );
                            }
                            _ => {
                                out.push_str("<polyline class=\"ln ");
                                let _ = write!(out, "{class}\" points=\"");
                                for (px, py) in run.iter() {
                                    let _ = write!(out, "{px:.1},{py:.1} ");
                                }
                                out.push_str("\"/>");
                            }
                        }
                        run.clear();
                    };
                    for (i, value) in series.values.iter().enumerate().take(count) {
                        match value {
                            Some(v) => run.push((x(i), y(*v))),
                            None => flush(&mut run, &mut out),
                        }
                    }
                    flush(&mut run, &mut out);
                }
            }
            Style::StackedBars => {
                let bar = (slot * 0.7).max(1.0);
                for i in 0..count {
                    let mut base = 0.0;
                    for (n, series) in self.series.iter().enumerate() {
                        let Some(v) = series.values.get(i).copied().flatten() else {
                            continue;
                        };
                        if v <= 0.0 {
                            continue;
                        }
                        let (top, bottom) = (y(base + v), y(base));
                        let _ = write!(
                            out,
                            "<rect class=\"{}\" x=\"{:.1}\" y=\"{top:.1}\" width=\"{bar:.1}\" height=\"{:.1}\"/>",
                            series.class(n),
                            x(i) - bar / 2.0,
                            (bottom - top).max(0.5)
                        );
                        base += v;
                    }
                }
            }
        }
        if !has_data {
            let _ = write!(
                out,
                "<text class=\"empty\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">No data in this period</text>",
                LEFT + plot_w / 2.0,
                TOP + plot_h / 2.0
            );
        }
        out.push_str("</svg>");
        if !self.series.is_empty() {
            out.push_str("<ul class=\"legend\">");
            for (n, series) in self.series.iter().enumerate() {
                let _ = write!(
                    out,
                    "<li><span class=\"sw {}\" aria-hidden=\"true\"></span>{}</li>",
                    series.class(n),
                    esc(&series.name)
                );
            }
            out.push_str("</ul>");
        }
        self.table(&mut out);
        out.push_str("</figure>");
        out
    }

    fn summary(&self, has_data: bool) -> String {
        if !has_data {
            return "no data".to_owned();
        }
        match self.style {
            Style::StackedBars => format!("total {} {}", fmt_number(self.total()), self.unit),
            Style::Lines => {
                let values = self.series.iter().flat_map(|s| s.values.iter().flatten());
                let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(*v), hi.max(*v))
                });
                format!("{}–{} {}", fmt_number(lo), fmt_number(hi), self.unit)
            }
        }
    }

    /// The numbers behind the chart, one row per bucket that has any.
    fn table(&self, out: &mut String) {
        let rows: Vec<usize> = (0..self.count)
            .filter(|i| {
                self.series
                    .iter()
                    .any(|s| s.values.get(*i).copied().flatten().is_some())
            })
            .collect();
        if rows.is_empty() || self.series.is_empty() {
            return;
        }
        let _ = write!(
            out,
            "<details class=\"numbers\"><summary>Numbers</summary><table><caption>{} ({})</caption><thead><tr><th scope=\"col\">Time (UTC)</th>",
            esc(&self.title),
            esc(&self.unit)
        );
        for series in &self.series {
            let _ = write!(out, "<th scope=\"col\">{}</th>", esc(&series.name));
        }
        out.push_str("</tr></thead><tbody>");
        for i in rows {
            let at = self.start + time::Duration::seconds(self.step * i as i64);
            let _ = write!(out, "<tr><th scope=\"row\">{}</th>", clock(at, self.step));
            for series in &self.series {
                match series.values.get(i).copied().flatten() {
                    Some(v) => {
                        let _ = write!(out, "<td>{}</td>", esc(&fmt_number(v)));
                    }
                    None => out.push_str("<td>–</td>"),
                }
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table></details>");
    }
}

/// `HH:MM` (or `HH:MM:SS` below a minute's grain), UTC.
fn clock(at: OffsetDateTime, step: i64) -> String {
    if step < 60 {
        format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second())
    } else {
        format!("{:02}:{:02}", at.hour(), at.minute())
    }
}

/// The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value` (1 for nothing).
pub(crate) fn nice_ceiling(value: f64) -> f64 {
    if !value.is_finite() || value <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powi(value.log10().floor() as i32);
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if value <= step * magnitude * (1.0 + 1e-9) {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

/// A number the way a chart label shows it: whole numbers plainly, others with up to two
/// decimals (trailing zeros dropped).
pub(crate) fn fmt_number(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_owned();
    }
    if (value - value.round()).abs() < 1e-9 {
        return format!("{}", value.round() as i64);
    }
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}
