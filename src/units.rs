//! Parsing and printing of sizes (`512MiB`), ages (`7d`) and times (RFC 3339 or epoch ms).

use anyhow::{bail, Result};

/// `512MiB`, `1GB`, `1048576` → bytes. Binary (`KiB`) and decimal (`KB`) suffixes; bare `K/M/G`
/// are binary, as in Iceberg's docs.
pub fn parse_size(text: &str) -> Result<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.is_empty() {
        bail!("'{text}' is not a size (examples: 134217728, 512MiB, 1GB)");
    }
    let value: f64 = num
        .parse()
        .map_err(|_| anyhow::anyhow!("'{text}' is not a size"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        _ => bail!("'{text}' has an unknown size unit (use B, KiB, MiB, GiB, KB, MB, GB)"),
    };
    Ok((value * factor as f64).round() as u64)
}

/// Human size: `1.5 MiB`.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `7d`, `12h`, `30m`, `90s`, `2w` → milliseconds.
pub fn parse_age_ms(text: &str) -> Result<i64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: i64 = num
        .parse()
        .map_err(|_| anyhow::anyhow!("'{text}' is not an age (examples: 7d, 12h, 30m)"))?;
    let factor: i64 = match unit.trim().to_ascii_lowercase().as_str() {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => bail!("'{text}' has no age unit (use s, m, h, d or w: 7d, 12h)"),
    };
    Ok(value.saturating_mul(factor))
}

/// Epoch milliseconds → RFC 3339 (UTC, millisecond precision).
pub fn format_time_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(parse_age_ms("7d").unwrap(), 7 * 86_400_000);
        assert_eq!(parse_age_ms("12h").unwrap(), 12 * 3_600_000);
        assert_eq!(parse_age_ms("30m").unwrap(), 30 * 60_000);
        assert!(parse_age_ms("7").is_err());
        assert!(parse_age_ms("soon").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512MiB").unwrap(), 512 * 1024 * 1024);
        assert_eq!(parse_size("1GB").unwrap(), 1_000_000_000);
        assert_eq!(parse_size("1048576").unwrap(), 1048576);
        assert_eq!(parse_size("1.5k").unwrap(), 1536);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_time_ms(0), "1970-01-01T00:00:00.000Z");
    }
}
