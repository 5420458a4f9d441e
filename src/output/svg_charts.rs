//! Charts as standalone SVG text (plotters' SVG backend), for pages that must open offline: text
//! stays `<text>` elements the browser sets in its own fonts, so no font is read or embedded.

use anyhow::{anyhow, Result};
use plotters::backend::SVGBackend;
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::RangedCoordusize;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::units::format_size;

/// How a value axis and value labels read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Bytes,
}

impl Unit {
    pub fn format(self, value: f64) -> String {
        match self {
            Unit::Count => {
                if value.fract() == 0.0 {
                    format!("{value:.0}")
                } else {
                    format!("{value:.1}")
                }
            }
            Unit::Bytes => format_size(value.max(0.0).round() as u64),
        }
    }
}

/// One bar per category, each labelled with its value.
#[derive(Debug, Clone)]
pub struct Bars {
    pub title: String,
    pub categories: Vec<String>,
    pub values: Vec<f64>,
    pub unit: Unit,
    /// Categories drawn in the warning colour (e.g. buckets of small files).
    pub flagged: Vec<bool>,
    /// Categories down the side (long names) instead of along the bottom.
    pub horizontal: bool,
    pub value_axis: String,
}

/// Points along one shared axis (one per event), drawn as stacked panels, each point marked in
/// the colour of its kind.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub title: String,
    /// One per point: the label under it.
    pub points: Vec<String>,
    /// One per point: what kind of event it was (colours and the legend).
    pub kinds: Vec<String>,
    pub panels: Vec<Panel>,
}

#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub unit: Unit,
    /// One per point; `None` where the value is unknown.
    pub values: Vec<Option<f64>>,
}

const INK: RGBColor = RGBColor(0x33, 0x3d, 0x47);
const GRID: RGBColor = RGBColor(0xe3, 0xe7, 0xeb);
const BAR: RGBColor = RGBColor(0x2b, 0x7a, 0x9e);
const FLAG: RGBColor = RGBColor(0xe0, 0x8a, 0x1e);

impl Bars {
    /// Flagged bars (small files) stand out from the rest.
    fn colour(&self, i: usize) -> RGBColor {
        if self.flagged.get(i).copied().unwrap_or(false) {
            FLAG
        } else {
            BAR
        }
    }
}
const KIND_COLOURS: [RGBColor; 6] = [
    RGBColor(0x2b, 0x7a, 0x9e),
    RGBColor(0xe0, 0x8a, 0x1e),
    RGBColor(0x3a, 0x9a, 0x5b),
    RGBColor(0xc8, 0x3e, 0x4d),
    RGBColor(0x7b, 0x5e, 0xa7),
    RGBColor(0x80, 0x80, 0x80),
];
const FONT: &str = "sans-serif";

fn svg_error<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing a chart: {e:?}")
}

/// Long category names cut to `max` characters, so one odd partition cannot squeeze the plot.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let head: String = text.chars().take(max - 1).collect();
        format!("{head}…")
    }
}

/// `n` slots, one per category: plotters' integer ranges include their end, so `0..n` would
/// leave an empty slot after the last.
fn segments(n: usize) -> SegmentedCoord<RangedCoordusize> {
    (0..n.max(1) - 1).into_segmented()
}

/// A top of the value axis with room above the tallest bar for its label.
fn headroom(max: f64) -> f64 {
    if max <= 0.0 {
        1.0
    } else {
        max * 1.18
    }
}

pub fn bars_svg(chart: &Bars) -> Result<String> {
    let n = chart.categories.len();
    let max = chart.values.iter().copied().fold(0.0, f64::max);
    let labels: Vec<String> = chart.categories.iter().map(|c| shorten(c, 40)).collect();
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1);
    let mut out = String::new();
    {
        let (width, height) = if chart.horizontal {
            (860, (70 + 26 * n.max(1)) as u32 + 50)
        } else {
            (860, 360)
        };
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(svg_error)?;
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(&chart.title, (FONT, 20).into_font().color(&INK))
            .margin(14);
        let value_style = (FONT, 13).into_font().color(&INK);
        if chart.horizontal {
            let label_width = (longest as u32 * 7 + 16).clamp(60, 320);
            let mut cc = builder
                .x_label_area_size(40)
                .y_label_area_size(label_width)
                .build_cartesian_2d(0.0..headroom(max), segments(n))
                .map_err(svg_error)?;
            // Largest first from the top: plotters counts rows from the bottom.
            let row_of = |i: usize| n - 1 - i;
            cc.configure_mesh()
                .disable_y_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(GRID)
                .axis_style(INK)
                .label_style((FONT, 12).into_font().color(&INK))
                .y_labels(n + 1)
                .y_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(row) if *row < n => labels[n - 1 - row].clone(),
                    _ => String::new(),
                })
                .x_labels(6)
                .x_label_formatter(&|v| chart.unit.format(*v))
                .x_desc(chart.value_axis.as_str())
                .axis_desc_style((FONT, 13).into_font().color(&INK))
                .draw()
                .map_err(svg_error)?;
            cc.draw_series(chart.values.iter().enumerate().map(|(i, v)| {
                let colour = chart.colour(i);
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(row_of(i))),
                        (*v, SegmentValue::Exact(row_of(i) + 1)),
                    ],
                    colour.filled(),
                );
                bar.set_margin(4, 4, 0, 0);
                bar
            }))
            .map_err(svg_error)?;
            cc.draw_series(chart.values.iter().enumerate().map(|(i, v)| {
                EmptyElement::at((*v, SegmentValue::CenterOf(row_of(i))))
                    + Text::new(
                        chart.unit.format(*v),
                        (6, 0),
                        value_style.pos(Pos::new(HPos::Left, VPos::Center)),
                    )
            }))
            .map_err(svg_error)?;
        } else {
            let mut cc = builder
                .x_label_area_size(44)
                .y_label_area_size(70)
                .build_cartesian_2d(segments(n), 0.0..headroom(max))
                .map_err(svg_error)?;
            cc.configure_mesh()
                .disable_x_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(GRID)
                .axis_style(INK)
                .label_style((FONT, 12).into_font().color(&INK))
                .x_labels(n + 1)
                .x_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(i) if *i < n => labels[*i].clone(),
                    _ => String::new(),
                })
                .y_labels(6)
                .y_label_formatter(&|v| chart.unit.format(*v))
                .y_desc(chart.value_axis.as_str())
                .axis_desc_style((FONT, 13).into_font().color(&INK))
                .draw()
                .map_err(svg_error)?;
            cc.draw_series(chart.values.iter().enumerate().map(|(i, v)| {
                let colour = chart.colour(i);
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), *v),
                    ],
                    colour.filled(),
                );
                bar.set_margin(0, 0, 8, 8);
                bar
            }))
            .map_err(svg_error)?;
            cc.draw_series(chart.values.iter().enumerate().map(|(i, v)| {
                EmptyElement::at((SegmentValue::CenterOf(i), *v))
                    + Text::new(
                        chart.unit.format(*v),
                        (0, -4),
                        value_style.pos(Pos::new(HPos::Center, VPos::Bottom)),
                    )
            }))
            .map_err(svg_error)?;
        }
        root.present().map_err(svg_error)?;
    }
    Ok(out)
}

pub fn timeline_svg(chart: &Timeline) -> Result<String> {
    let n = chart.points.len();
    let mut kinds: Vec<&str> = vec![];
    for k in &chart.kinds {
        if !kinds.contains(&k.as_str()) {
            kinds.push(k);
        }
    }
    let colour_of = |kind: &str| {
        let i = kinds.iter().position(|k| *k == kind).unwrap_or(0);
        KIND_COLOURS[i.min(KIND_COLOURS.len() - 1)]
    };
    // Labels under every point only while they fit; otherwise plotters spaces them out.
    let label_every = n.div_ceil(14).max(1);
    let mut out = String::new();
    {
        let panel_height = 200u32;
        let height = 70 + panel_height * chart.panels.len().max(1) as u32;
        let root = SVGBackend::with_string(&mut out, (860, height)).into_drawing_area();
        root.fill(&WHITE).map_err(svg_error)?;
        let (header, body) = root.split_vertically(70);
        header
            .draw(&Text::new(
                chart.title.clone(),
                (430, 10),
                (FONT, 20)
                    .into_font()
                    .color(&INK)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(svg_error)?;
        // Legend: one marker per kind, centred under the title.
        let legend_width: i32 = kinds.iter().map(|k| 30 + 8 * k.len() as i32).sum();
        let mut x = 430 - legend_width / 2;
        for kind in &kinds {
            header
                .draw(&Circle::new((x + 6, 48), 6, colour_of(kind).filled()))
                .map_err(svg_error)?;
            header
                .draw(&Text::new(
                    kind.to_string(),
                    (x + 16, 48),
                    (FONT, 13)
                        .into_font()
                        .color(&INK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(svg_error)?;
            x += 30 + 8 * kind.len() as i32;
        }
        let areas = body.split_evenly((chart.panels.len().max(1), 1));
        for (panel, area) in chart.panels.iter().zip(&areas) {
            let max = panel.values.iter().flatten().copied().fold(0.0, f64::max);
            let mut cc = ChartBuilder::on(area)
                .caption(&panel.title, (FONT, 15).into_font().color(&INK))
                .margin_left(14)
                .margin_right(24)
                .margin_bottom(6)
                .x_label_area_size(28)
                .y_label_area_size(80)
                .build_cartesian_2d(segments(n), 0.0..headroom(max))
                .map_err(svg_error)?;
            cc.configure_mesh()
                .disable_x_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(GRID)
                .axis_style(INK)
                .label_style((FONT, 11).into_font().color(&INK))
                .x_labels(n + 1)
                .x_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(i) if *i < n && i % label_every == 0 => {
                        chart.points[*i].clone()
                    }
                    _ => String::new(),
                })
                .y_labels(5)
                .y_label_formatter(&|v| panel.unit.format(*v))
                .draw()
                .map_err(svg_error)?;
            // The line breaks where a value is unknown rather than inventing one.
            let mut run: Vec<(SegmentValue<usize>, f64)> = vec![];
            let mut runs = vec![];
            for (i, v) in panel.values.iter().enumerate() {
                match v {
                    Some(v) => run.push((SegmentValue::CenterOf(i), *v)),
                    None => runs.push(std::mem::take(&mut run)),
                }
            }
            runs.push(run);
            for run in runs.into_iter().filter(|r| r.len() > 1) {
                cc.draw_series(std::iter::once(PathElement::new(
                    run,
                    ShapeStyle::from(&BAR.mix(0.55)).stroke_width(2),
                )))
                .map_err(svg_error)?;
            }
            cc.draw_series(panel.values.iter().enumerate().filter_map(|(i, v)| {
                v.map(|v| {
                    Circle::new(
                        (SegmentValue::CenterOf(i), v),
                        5,
                        colour_of(&chart.kinds[i]).filled(),
                    )
                })
            }))
            .map_err(svg_error)?;
        }
        root.present().map_err(svg_error)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of each `<text>` element, in order.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .map(|t| {
                let body = &t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()];
                body.trim().to_string()
            })
            .collect()
    }

    #[test]
    fn bars_carry_their_values_as_text() {
        let svg = bars_svg(&Bars {
            title: "Sizes <&>".into(),
            categories: vec!["a".into(), "b".into()],
            values: vec![3.0, 12.0],
            unit: Unit::Count,
            flagged: vec![true, false],
            horizontal: false,
            value_axis: "files".into(),
        })
        .unwrap();
        assert!(svg.starts_with("<svg"));
        let texts = texts(&svg);
        assert_eq!(texts[0], "Sizes &lt;&amp;&gt;");
        // Value labels come last, one per bar in category order.
        assert_eq!(texts[texts.len() - 2..], ["3", "12"]);
        assert!(texts.contains(&"a".to_string()) && texts.contains(&"b".to_string()));
        assert_eq!(
            svg.matches("fill=\"#E08A1E\"").count(),
            1,
            "one flagged bar"
        );
    }

    #[test]
    fn timeline_marks_every_point() {
        let svg = timeline_svg(&Timeline {
            title: "3 snapshots".into(),
            points: vec!["1".into(), "2".into(), "3".into()],
            kinds: vec!["append".into(), "append".into(), "overwrite".into()],
            panels: vec![Panel {
                title: "records".into(),
                unit: Unit::Count,
                values: vec![Some(1.0), None, Some(3.0)],
            }],
        })
        .unwrap();
        // Two points (the unknown one is left out) plus two legend markers.
        assert_eq!(svg.matches("<circle").count(), 4);
        let texts = texts(&svg);
        assert_eq!(texts[..3], ["3 snapshots", "append", "overwrite"]);
        assert!(texts.contains(&"records".to_string()));
    }
}
