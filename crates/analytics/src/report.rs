//! A [`Summary`] as a plain-text table, for `switchyard report --since 7d`.

use crate::{
    summary::{Percentiles, Stats, Summary},
    timeparse::format_rfc3339,
};
use std::fmt::Write as _;

fn usd(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "$0".into()
    } else if a >= 100.0 {
        format!("${v:.0}")
    } else if a >= 1.0 {
        format!("${v:.2}")
    } else if a >= 0.01 {
        format!("${v:.3}")
    } else {
        format!("${v:.5}")
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn ms(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v < 10.0 => format!("{v:.2} ms"),
        Some(v) if v < 1000.0 => format!("{v:.0} ms"),
        Some(v) => format!("{:.2} s", v / 1000.0),
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn latency(p: &Percentiles) -> String {
    format!("p50 {}, p95 {}, p99 {}", ms(p.p50), ms(p.p95), ms(p.p99))
}

fn headline(out: &mut String, t: &Stats) {
    let _ = writeln!(
        out,
        "requests {} · spent {}{} · saved {} (cache {}, router {}, prompt cache {})",
        thousands(t.requests),
        usd(t.cost_usd),
        match (t.estimated_requests, t.unpriced_requests) {
            (0, 0) => String::new(),
            (e, u) => format!(" ({e} estimated, {u} without a price)"),
        },
        usd(t.savings_usd),
        usd(t.cache_savings_usd),
        usd(t.router_savings_usd),
        usd(t.prompt_cache_savings_usd),
    );
    let _ = writeln!(
        out,
        "cache hit rate {} · errors {} · fallbacks {} · latency {}",
        pct(t.cache_hit_rate),
        pct(Some(t.error_rate)),
        pct(Some(t.fallback_rate)),
        latency(&t.latency_ms)
    );
}

/// `summary` as text: a headline of totals, then one row per group (most expensive first)
/// with requests, tokens, spend and its share, savings, cache hit rate, errors and p95.
pub fn render_report(summary: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Switchyard usage {} -> {}{}",
        format_rfc3339(summary.since),
        format_rfc3339(summary.until),
        summary
            .group_by
            .map(|g| format!(" by {}", g.as_str()))
            .unwrap_or_default()
    );
    headline(&mut out, &summary.total);
    let Some(group_by) = summary.group_by else {
        return out;
    };
    let rows: Vec<[String; 10]> = summary
        .groups
        .iter()
        .map(|g| {
            let s = &g.stats;
            let share = (summary.total.cost_usd > 0.0).then(|| s.cost_usd / summary.total.cost_usd);
            [
                g.key.clone().unwrap_or_else(|| "(none)".into()),
                thousands(s.requests),
                thousands(s.input_tokens),
                thousands(s.output_tokens),
                usd(s.cost_usd),
                pct(share),
                usd(s.savings_usd),
                pct(s.cache_hit_rate),
                pct(Some(s.error_rate)),
                ms(s.latency_ms.p95),
            ]
        })
        .collect();
    let header = [
        group_by.as_str(),
        "requests",
        "tokens in",
        "tokens out",
        "spent",
        "share",
        "saved",
        "cache hit",
        "errors",
        "p95",
    ];
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    out.push('\n');
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            if i == 0 {
                let _ = write!(text, "{cell:<w$}");
            } else {
                let _ = write!(text, "  {cell:>w$}");
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&mut header.iter().copied());
    for row in &rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{Aggregator, GroupBy, ScanRow, SummaryQuery};

    #[test]
    fn table_has_a_headline_and_aligned_rows() {
        let mut agg = Aggregator::new(SummaryQuery {
            since: 1_755_252_000_000,
            until: 1_755_338_400_000,
            group_by: Some(GroupBy::Model),
            bucket: None,
        });
        for (model, cost) in [("gpt-4o", 1.5), ("gpt-4o-mini", 0.25), ("gpt-4o", 2.0)] {
            agg.push(&ScanRow {
                ts_ms: 1_755_252_000_001,
                group: Some(model),
                cost_usd: Some(cost),
                input_tokens: 12_345,
                total_ms: 1500.0,
                ..ScanRow::default()
            });
        }
        let text = render_report(&agg.finish());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Switchyard usage 2025-08-15T10:00:00Z -> 2025-08-16T10:00:00Z by model"
        );
        assert!(lines[1].starts_with("requests 3 · spent $3.75 · saved $0"));
        assert!(lines[2].contains("latency p50 1.50 s"));
        let header = lines[4];
        assert!(header.starts_with("model") && header.ends_with("p95"));
        assert!(lines[5].starts_with("gpt-4o ") && lines[5].contains("24,690"));
        assert!(lines[5].contains("93.3%"));
        assert!(lines[6].starts_with("gpt-4o-mini"));
        assert_eq!(lines[5].len(), lines[6].len(), "columns aligned");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
