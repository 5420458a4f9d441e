//! Where data files go: `<data location>/<field>=<value>/…/<file>`, each partition value in the
//! transform's human form and URL-encoded exactly as Iceberg Java's `PartitionSpec.partitionToPath`
//! does, so any string (slashes, `..`, tabs, `%`) stays inside one path segment and the path
//! recorded in the manifest is the object's key.

use base64::Engine;
use iceberg::spec::{
    Literal, PartitionKey, PrimitiveLiteral, PrimitiveType, TableMetadata, Transform, Type,
};
use iceberg::writer::file_writer::location_generator::LocationGenerator;

/// Iceberg's data-location properties, in Java's order of precedence.
const DATA_LOCATION_PROPERTIES: [&str; 2] = ["write.data.path", "write.folder-storage.path"];

#[derive(Clone, Debug)]
pub struct PartitionPathGenerator {
    data_location: String,
}

impl PartitionPathGenerator {
    pub fn new(metadata: &TableMetadata) -> Self {
        let props = metadata.properties();
        let data_location = DATA_LOCATION_PROPERTIES
            .iter()
            .find_map(|key| props.get(*key).cloned())
            .unwrap_or_else(|| format!("{}/data", metadata.location().trim_end_matches('/')));
        PartitionPathGenerator {
            data_location: data_location.trim_end_matches('/').to_string(),
        }
    }
}

impl LocationGenerator for PartitionPathGenerator {
    fn generate_location(&self, partition_key: Option<&PartitionKey>, file_name: &str) -> String {
        match partition_key.filter(|k| !PartitionKey::is_effectively_none(Some(k))) {
            None => format!("{}/{file_name}", self.data_location),
            Some(key) => format!("{}/{}/{file_name}", self.data_location, partition_path(key)),
        }
    }
}

/// `name=value/…` for a partition, escaped as Java escapes it.
pub fn partition_path(key: &PartitionKey) -> String {
    let spec = key.spec();
    let types: Vec<Type> = spec
        .partition_type(key.schema())
        .map(|t| t.fields().iter().map(|f| (*f.field_type).clone()).collect())
        .unwrap_or_default();
    let source_types: Vec<Option<Type>> = spec
        .fields()
        .iter()
        .map(|f| {
            key.schema()
                .field_by_id(f.source_id)
                .map(|s| (*s.field_type).clone())
        })
        .collect();
    spec.fields()
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let value = key.data()[i].as_ref();
            let human = human_value(
                &field.transform,
                source_types[i].as_ref().or(types.get(i)),
                types.get(i),
                value,
            );
            format!("{}={}", url_encode(&field.name), url_encode(&human))
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Java's `Transform.toHumanString`: dates and times for the time transforms, the source
/// type's form for identity and truncate, the number for bucket.
fn human_value(
    transform: &Transform,
    source_type: Option<&Type>,
    result_type: Option<&Type>,
    value: Option<&Literal>,
) -> String {
    let Some(Literal::Primitive(value)) = value else {
        return "null".to_string();
    };
    let ordinal = match value {
        PrimitiveLiteral::Int(v) => Some(*v as i64),
        PrimitiveLiteral::Long(v) => Some(*v),
        _ => None,
    };
    match (transform, ordinal) {
        (Transform::Void, _) => return "null".to_string(),
        (Transform::Year, Some(years)) => return format!("{:04}", 1970 + years),
        (Transform::Month, Some(months)) => {
            let year = 1970 + months.div_euclid(12);
            return format!("{year:04}-{:02}", months.rem_euclid(12) + 1);
        }
        (Transform::Day, Some(days)) => {
            return epoch_day(days)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| days.to_string())
        }
        (Transform::Hour, Some(hours)) => {
            return chrono::DateTime::from_timestamp(hours * 3600, 0)
                .map(|t| t.format("%Y-%m-%d-%H").to_string())
                .unwrap_or_else(|| hours.to_string())
        }
        (Transform::Bucket(_), _) => return ordinal.map(|v| v.to_string()).unwrap_or_default(),
        _ => {}
    }
    let ty = match transform {
        Transform::Identity | Transform::Truncate(_) => source_type.or(result_type),
        _ => result_type,
    };
    match ty {
        Some(Type::Primitive(primitive)) => human_primitive(primitive, value),
        _ => format!("{value:?}"),
    }
}

fn epoch_day(days: i64) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(days))
}

/// A value of a primitive type as Java prints it (`LocalDateTime.toString` and friends).
fn human_primitive(ty: &PrimitiveType, value: &PrimitiveLiteral) -> String {
    use PrimitiveLiteral as L;
    match (ty, value) {
        (_, L::String(s)) => s.clone(),
        (_, L::Boolean(b)) => b.to_string(),
        (PrimitiveType::Date, L::Int(days)) => epoch_day(*days as i64)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| days.to_string()),
        (PrimitiveType::Time, L::Long(micros)) => {
            let seconds = micros.div_euclid(1_000_000);
            let time = chrono::NaiveTime::from_num_seconds_from_midnight_opt(
                seconds as u32,
                (micros.rem_euclid(1_000_000) * 1000) as u32,
            );
            time.map(java_time).unwrap_or_else(|| micros.to_string())
        }
        (PrimitiveType::Timestamp, L::Long(micros)) => {
            chrono::DateTime::from_timestamp_micros(*micros)
                .map(|t| {
                    let t = t.naive_utc();
                    format!("{}T{}", t.format("%Y-%m-%d"), java_time(t.time()))
                })
                .unwrap_or_else(|| micros.to_string())
        }
        (PrimitiveType::Timestamptz, L::Long(micros)) => {
            chrono::DateTime::from_timestamp_micros(*micros)
                .map(|t| {
                    let t = t.naive_utc();
                    format!("{}T{}Z", t.format("%Y-%m-%d"), java_time(t.time()))
                })
                .unwrap_or_else(|| micros.to_string())
        }
        (PrimitiveType::Decimal { scale, .. }, L::Int128(unscaled)) => {
            decimal_string(*unscaled, *scale)
        }
        (PrimitiveType::Uuid, L::UInt128(v)) => uuid::Uuid::from_u128(*v).to_string(),
        (_, L::Binary(bytes)) => base64::engine::general_purpose::STANDARD.encode(bytes),
        (_, L::Int(v)) => v.to_string(),
        (_, L::Long(v)) => v.to_string(),
        (_, L::Float(v)) => java_double(v.0 as f64),
        (_, L::Double(v)) => java_double(v.0),
        (_, other) => format!("{other:?}"),
    }
}

/// `LocalTime.toString`: seconds only when not zero, then 3, 6 or 9 fraction digits.
fn java_time(t: chrono::NaiveTime) -> String {
    use chrono::Timelike;
    let nanos = t.nanosecond();
    let mut out = t.format("%H:%M").to_string();
    if t.second() != 0 || nanos != 0 {
        out.push_str(&format!(":{:02}", t.second()));
    }
    if nanos != 0 {
        if nanos % 1_000_000 == 0 {
            out.push_str(&format!(".{:03}", nanos / 1_000_000));
        } else if nanos % 1000 == 0 {
            out.push_str(&format!(".{:06}", nanos / 1000));
        } else {
            out.push_str(&format!(".{nanos:09}"));
        }
    }
    out
}

/// `Double.toString` for the common range: always a fraction digit.
fn java_double(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e7 {
        format!("{v:.1}")
    } else if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else {
        v.to_string()
    }
}

fn decimal_string(unscaled: i128, scale: u32) -> String {
    if scale == 0 {
        return unscaled.to_string();
    }
    let digits = unscaled.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    let sign = if unscaled < 0 { "-" } else { "" };
    format!("{sign}{whole}.{fraction}")
}

/// `java.net.URLEncoder.encode(s, UTF-8)`: letters, digits and `.-*_` stay, space becomes `+`,
/// every other byte `%XX`.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// `java.net.URLDecoder.decode(s, UTF-8)`, the inverse of [`url_encode`]: `+` is a space,
/// `%XX` a byte. `None` for a malformed escape or bytes that are not UTF-8.
pub fn url_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The `name=value` directory segments of a file's location, decoded: what a Hive-style
/// layout (and [`partition_path`]) says the file's partition is.
pub fn path_segments(location: &str) -> Vec<(String, String)> {
    let dir = location.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    dir.split('/')
        .filter_map(|segment| {
            let (name, value) = segment.split_once('=')?;
            Some((url_decode(name)?, url_decode(value)?))
        })
        .collect()
}

/// Whether a path value stands for null: Iceberg Java writes `null`, Hive and Spark's
/// file layouts `__HIVE_DEFAULT_PARTITION__`.
pub fn is_null_value(text: &str) -> bool {
    text == "null" || text == "__HIVE_DEFAULT_PARTITION__"
}

/// A partition value in its human form (as [`partition_path`] renders it) parsed back into
/// the partition literal of a field with this transform over `source` values; the error says
/// what was expected.
pub fn parse_human_value(
    transform: &Transform,
    source: &PrimitiveType,
    text: &str,
) -> Result<Option<Literal>, String> {
    if is_null_value(text) || matches!(transform, Transform::Void) {
        return Ok(None);
    }
    let number = |what: &str| -> Result<i32, String> {
        text.parse::<i32>()
            .map_err(|_| format!("'{text}' is not {what}"))
    };
    let value = match transform {
        Transform::Year => Literal::int(number("a year (2024)")? - 1970),
        Transform::Month => {
            let date = chrono::NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
                .map_err(|_| format!("'{text}' is not a month (2024-03)"))?;
            let months = (chrono::Datelike::year(&date) - 1970) * 12
                + chrono::Datelike::month0(&date) as i32;
            Literal::int(months)
        }
        Transform::Day => Literal::int(days_of(text)?),
        Transform::Hour => {
            let (day, hour) = text
                .rsplit_once('-')
                .ok_or_else(|| format!("'{text}' is not an hour (2024-03-01-10)"))?;
            let hour: i32 = hour
                .parse()
                .ok()
                .filter(|h| (0..24).contains(h))
                .ok_or_else(|| format!("'{text}' is not an hour (2024-03-01-10)"))?;
            Literal::int(days_of(day)? * 24 + hour)
        }
        Transform::Bucket(_) => Literal::int(number("a bucket number")?),
        Transform::Identity | Transform::Truncate(_) => parse_primitive(source, text)?,
        other => {
            return Err(format!(
                "{other} partition values cannot be read from paths"
            ))
        }
    };
    Ok(Some(value))
}

fn days_of(text: &str) -> Result<i32, String> {
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("'{text}' is not a date (2024-03-01)"))?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    Ok((date - epoch).num_days() as i32)
}

/// A value of a primitive type in the form [`human_primitive`] prints it.
fn parse_primitive(ty: &PrimitiveType, text: &str) -> Result<Literal, String> {
    use PrimitiveType as P;
    let bad = || format!("'{text}' is not a {ty} value");
    let micros = |t: chrono::NaiveDateTime| t.and_utc().timestamp_micros();
    let local_time = |t: &str| -> Result<chrono::NaiveDateTime, String> {
        [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S%.f",
        ]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(t, f).ok())
        .ok_or_else(bad)
    };
    Ok(match ty {
        P::Boolean => match text {
            "true" => Literal::bool(true),
            "false" => Literal::bool(false),
            _ => return Err(bad()),
        },
        P::Int => Literal::int(text.parse::<i32>().map_err(|_| bad())?),
        P::Long => Literal::long(text.parse::<i64>().map_err(|_| bad())?),
        P::Float => Literal::float(text.parse::<f32>().map_err(|_| bad())?),
        P::Double => Literal::double(text.parse::<f64>().map_err(|_| bad())?),
        P::String => Literal::string(text),
        P::Date => Literal::date(days_of(text)?),
        P::Time => {
            let t = ["%H:%M:%S%.f", "%H:%M"]
                .iter()
                .find_map(|f| chrono::NaiveTime::parse_from_str(text, f).ok())
                .ok_or_else(bad)?;
            let since = t - chrono::NaiveTime::MIN;
            Literal::time(since.num_microseconds().ok_or_else(bad)?)
        }
        P::Timestamp => Literal::timestamp(micros(local_time(text)?)),
        P::Timestamptz => {
            let utc = text
                .strip_suffix('Z')
                .or_else(|| text.strip_suffix("+00:00"))
                .ok_or_else(bad)?;
            Literal::timestamptz(micros(local_time(utc)?))
        }
        P::Decimal { scale, .. } => Literal::decimal(parse_decimal(text, *scale).ok_or_else(bad)?),
        P::Uuid => Literal::uuid(uuid::Uuid::parse_str(text).map_err(|_| bad())?),
        P::Binary | P::Fixed(_) => Literal::binary(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| bad())?,
        ),
        _ => return Err(format!("{ty} partition values cannot be read from paths")),
    })
}

/// `-12.34` at scale 2 → -1234; `None` when it has more fraction digits than the scale.
fn parse_decimal(text: &str, scale: u32) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || fraction.len() > scale as usize
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let padded = format!("{whole}{fraction:0<width$}", width = scale as usize);
    let value: i128 = if padded.is_empty() {
        0
    } else {
        padded.parse().ok()?
    };
    Some(if negative { -value } else { value })
}

/// A partition value in its human form, as paths carry it.
pub fn human_partition_value(
    transform: &Transform,
    source: &PrimitiveType,
    value: Option<&Literal>,
) -> String {
    let source = Type::Primitive(source.clone());
    let result = transform.result_type(&source).ok();
    human_value(transform, Some(&source), result.as_ref(), value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_values_parse_back() {
        let ts = PrimitiveType::Timestamp;
        for (transform, text) in [
            (Transform::Month, "2024-03"),
            (Transform::Month, "1969-12"),
            (Transform::Year, "2024"),
            (Transform::Day, "2024-01-15"),
            (Transform::Hour, "2024-01-15-10"),
            (Transform::Identity, "2024-01-15T10:00:30.123"),
            (Transform::Identity, "2024-01-15T10:00"),
        ] {
            let value = parse_human_value(&transform, &ts, text).unwrap();
            assert_eq!(
                human_partition_value(&transform, &ts, value.as_ref()),
                text,
                "{transform}"
            );
        }
        let dec = PrimitiveType::Decimal {
            precision: 9,
            scale: 2,
        };
        for text in ["-0.05", "123.45", "7.00"] {
            let value = parse_human_value(&Transform::Identity, &dec, text).unwrap();
            assert_eq!(
                human_partition_value(&Transform::Identity, &dec, value.as_ref()),
                text
            );
        }
        assert!(parse_human_value(&Transform::Identity, &dec, "1.234").is_err());
        assert!(parse_human_value(&Transform::Month, &ts, "2024-13").is_err());
        assert_eq!(
            parse_human_value(&Transform::Identity, &PrimitiveType::String, "null").unwrap(),
            None
        );
    }

    #[test]
    fn path_segments_decode_as_java_encodes() {
        let name = "region";
        let value = "eu west/1";
        let path = format!(
            "s3://b/t/data/{}={}/ts_month=2024-03/f.parquet",
            url_encode(name),
            url_encode(value)
        );
        assert_eq!(
            path_segments(&path),
            vec![
                ("region".to_string(), "eu west/1".to_string()),
                ("ts_month".to_string(), "2024-03".to_string())
            ]
        );
        assert_eq!(url_decode("50%25"), Some("50%".to_string()));
        assert_eq!(url_decode("bad%2"), None);
        assert!(path_segments("/data/x=1.parquet").is_empty());
    }

    #[test]
    fn encodes_as_java_url_encoder() {
        assert_eq!(url_encode("https://ex.com/a"), "https%3A%2F%2Fex.com%2Fa");
        assert_eq!(url_encode("a//b"), "a%2F%2Fb");
        assert_eq!(url_encode("../up"), "..%2Fup");
        assert_eq!(url_encode("x/./y"), "x%2F.%2Fy");
        assert_eq!(url_encode("trail/"), "trail%2F");
        assert_eq!(url_encode("50%"), "50%25");
        assert_eq!(url_encode("k=v"), "k%3Dv");
        assert_eq!(url_encode("with space"), "with+space");
        assert_eq!(url_encode("zürich"), "z%C3%BCrich");
        assert_eq!(url_encode("a\tb"), "a%09b");
        assert_eq!(url_encode(""), "");
    }

    #[test]
    fn time_transforms_read_as_dates() {
        let month = human_value(&Transform::Month, None, None, Some(&Literal::int(648)));
        assert_eq!(month, "2024-01");
        assert_eq!(
            human_value(&Transform::Year, None, None, Some(&Literal::int(54))),
            "2024"
        );
        assert_eq!(
            human_value(&Transform::Day, None, None, Some(&Literal::int(19737))),
            "2024-01-15"
        );
        assert_eq!(
            human_value(&Transform::Hour, None, None, Some(&Literal::int(473_698))),
            "2024-01-15-10"
        );
        assert_eq!(human_value(&Transform::Month, None, None, None), "null");
        assert_eq!(
            human_value(&Transform::Month, None, None, Some(&Literal::int(-1))),
            "1969-12"
        );
    }

    #[test]
    fn identity_values_print_as_java_prints_them() {
        let ts = Type::Primitive(PrimitiveType::Timestamp);
        let at = |micros: i64| {
            human_value(
                &Transform::Identity,
                Some(&ts),
                Some(&ts),
                Some(&Literal::long(micros)),
            )
        };
        assert_eq!(at(1_705_312_800_000_000), "2024-01-15T10:00");
        assert_eq!(at(1_705_312_830_000_000), "2024-01-15T10:00:30");
        assert_eq!(at(1_705_312_830_123_000), "2024-01-15T10:00:30.123");
        let dec = PrimitiveType::Decimal {
            precision: 9,
            scale: 2,
        };
        assert_eq!(
            human_primitive(&dec, &PrimitiveLiteral::Int128(-5)),
            "-0.05"
        );
        assert_eq!(
            human_primitive(&dec, &PrimitiveLiteral::Int128(12345)),
            "123.45"
        );
        assert_eq!(java_double(1.0), "1.0");
        assert_eq!(java_double(2.5), "2.5");
    }
}
