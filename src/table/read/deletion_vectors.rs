//! Deletion vectors (format v3): the live DVs of a snapshot, read from their Puffin blobs and
//! checked (length, magic, CRC, cardinality), and handed to iceberg's reader as the position
//! deletes it can apply.
//!
//! iceberg 0.10 plans a DV as a position delete file at the Puffin file's path and then opens
//! that file as Parquet ("Corrupt footer"). A DV is one blob of a Puffin file, found by its
//! manifest entry's `content_offset` and `content_size_in_bytes`, applying to its
//! `referenced_data_file`; several DVs share one Puffin file. So after planning, every task's
//! Puffin deletes are replaced by the one live DV of its data file, written as a small
//! in-memory Parquet position-delete file: the reader then applies it exactly as it applies
//! position deletes (same positions, same sequence-number rules, which planning already chose).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow::array::{Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use futures::StreamExt;
use iceberg::io::FileRead;
use iceberg::scan::{FileScanTask, FileScanTaskDeleteFile};
use iceberg::spec::{DataContentType, DataFileFormat, FormatVersion, ManifestContentType};
use iceberg::table::Table;
use roaring::RoaringTreemap;

use super::manifest_stream::load_manifests;
use crate::error::FloeError;

/// The magic bytes that open a DV blob's bitmap (after its length).
const MAGIC: [u8; 4] = [0xD1, 0xD3, 0x39, 0x64];
/// Where the in-memory position-delete files standing in for DVs live.
const STAND_IN_ROOT: &str = "memory://floe-deletion-vectors";

/// One live deletion vector, as its manifest entry describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionVector {
    /// The Puffin file holding it.
    pub puffin: String,
    /// Where its blob starts in that file, and its length.
    pub offset: u64,
    pub length: u64,
    /// Rows it deletes (the entry's `record_count`).
    pub cardinality: u64,
    /// The data file it applies to.
    pub data_file: String,
}

impl DeletionVector {
    fn describe(&self) -> String {
        format!(
            "the deletion vector for {} in {} (offset {}, {} bytes)",
            self.data_file, self.puffin, self.offset, self.length
        )
    }
}

/// The live deletion vectors of `snapshot_id`, by the data file each applies to. Empty for
/// tables before format v3, which cannot hold them. Two live DVs for one data file break the
/// spec (a new DV replaces the old in the same commit) and are an error naming both.
pub async fn live_deletion_vectors(
    table: &Table,
    snapshot_id: Option<i64>,
) -> Result<HashMap<String, DeletionVector>> {
    let metadata = table.metadata();
    let mut found: HashMap<String, DeletionVector> = HashMap::new();
    if metadata.format_version() < FormatVersion::V3 {
        return Ok(found);
    }
    let snapshot = match snapshot_id {
        Some(id) => metadata.snapshot_by_id(id),
        None => metadata.current_snapshot(),
    };
    let Some(snapshot) = snapshot else {
        return Ok(found);
    };
    let list = table.manifest_list_reader(snapshot).load().await?;
    let deletes: Vec<_> = list
        .entries()
        .iter()
        .filter(|m| m.content == ManifestContentType::Deletes)
        .cloned()
        .collect();
    let mut manifests = load_manifests(table.file_io(), deletes);
    while let Some((manifest, loaded)) = manifests.next().await {
        let loaded = loaded
            .with_context(|| format!("reading delete manifest {}", manifest.manifest_path))?;
        for entry in loaded.entries().iter().filter(|e| e.is_alive()) {
            let file = entry.data_file();
            if file.file_format() != DataFileFormat::Puffin
                || file.content_type() != DataContentType::PositionDeletes
            {
                continue;
            }
            let dv = dv_of_entry(file)?;
            if let Some(other) = found.get(&dv.data_file) {
                return Err(FloeError::invalid(format!(
                    "snapshot {} holds two deletion vectors for {}: {} and {}",
                    snapshot.snapshot_id(),
                    dv.data_file,
                    other.describe(),
                    dv.describe()
                ))
                .with_hint("the table breaks the Iceberg v3 rule of one deletion vector per data file; the writer that added the second is at fault")
                .into());
            }
            found.insert(dv.data_file.clone(), dv);
        }
    }
    Ok(found)
}

/// The deletion vector a manifest entry describes (a Puffin position-delete entry).
pub fn dv_of_entry(file: &iceberg::spec::DataFile) -> Result<DeletionVector> {
    let path = file.file_path();
    let missing = |field: &str| {
        anyhow::Error::from(FloeError::invalid(format!(
            "deletion vector in {path} has no {field} in its manifest entry"
        )))
    };
    let offset = file
        .content_offset()
        .ok_or_else(|| missing("content_offset"))?;
    let length = file
        .content_size_in_bytes()
        .ok_or_else(|| missing("content_size_in_bytes"))?;
    let data_file = file
        .referenced_data_file()
        .ok_or_else(|| missing("referenced_data_file"))?;
    if offset < 0 || length < 0 {
        return Err(FloeError::invalid(format!(
            "deletion vector in {path} for {data_file} has a negative offset ({offset}) or size ({length})"
        ))
        .into());
    }
    Ok(DeletionVector {
        puffin: path.to_string(),
        offset: offset as u64,
        length: length as u64,
        cardinality: file.record_count(),
        data_file,
    })
}

/// The row positions `dv` deletes, read from its blob and checked: the blob's length field,
/// its magic, its CRC-32 and its cardinality against the manifest entry. Any mismatch is an
/// error naming the Puffin file, never silently fewer deletes.
pub async fn read_positions(table: &Table, dv: &DeletionVector) -> Result<RoaringTreemap> {
    let reader = table
        .file_io()
        .new_input(&dv.puffin)?
        .reader()
        .await
        .with_context(|| format!("opening {}", dv.puffin))?;
    let bytes = reader
        .read(dv.offset..dv.offset + dv.length)
        .await
        .with_context(|| format!("reading {}", dv.describe()))?;
    decode_blob(&bytes, dv)
}

/// A `deletion-vector-v1` blob: a 4-byte big-endian length of what follows before the CRC,
/// the magic, a portable 64-bit Roaring bitmap, and a big-endian CRC-32 of magic and bitmap.
fn decode_blob(bytes: &[u8], dv: &DeletionVector) -> Result<RoaringTreemap> {
    let corrupt = |why: String| -> anyhow::Error {
        FloeError::invalid(format!("{} is corrupt: {why}", dv.describe()))
            .with_hint("the Puffin file is damaged or its manifest entry points at the wrong bytes; restore the file or roll the table back to a snapshot before it")
            .into()
    };
    if bytes.len() as u64 != dv.length {
        return Err(corrupt(format!(
            "the file holds {} bytes there, not {}",
            bytes.len(),
            dv.length
        )));
    }
    if bytes.len() < 12 {
        return Err(corrupt(format!(
            "{} bytes is too short for a DV blob",
            bytes.len()
        )));
    }
    let declared = u32::from_be_bytes(bytes[0..4].try_into().expect("4 bytes")) as usize;
    if declared != bytes.len() - 8 {
        return Err(corrupt(format!(
            "its length field says {declared} bytes, the blob has {}",
            bytes.len() - 8
        )));
    }
    let body = &bytes[4..4 + declared];
    if body[..4] != MAGIC {
        return Err(corrupt(format!(
            "its magic is {:02X?}, not {MAGIC:02X?}",
            &body[..4]
        )));
    }
    let stored_crc = u32::from_be_bytes(bytes[4 + declared..].try_into().expect("4 bytes"));
    let crc = crc32fast::hash(body);
    if crc != stored_crc {
        return Err(corrupt(format!(
            "its CRC-32 is {stored_crc:08x}, its bytes give {crc:08x}"
        )));
    }
    let positions = RoaringTreemap::deserialize_from(&body[4..])
        .map_err(|e| corrupt(format!("its bitmap does not decode ({e})")))?;
    if positions.len() != dv.cardinality {
        return Err(corrupt(format!(
            "it deletes {} rows, its manifest entry says {}",
            positions.len(),
            dv.cardinality
        )));
    }
    Ok(positions)
}

/// `positions` as a `deletion-vector-v1` blob (the inverse of `decode_blob`): the bitmap in
/// the portable 64-bit Roaring format, which is what `RoaringTreemap` serializes.
pub fn encode_blob(positions: &RoaringTreemap) -> Vec<u8> {
    let mut body = MAGIC.to_vec();
    positions
        .serialize_into(&mut body)
        .expect("writing to a Vec cannot fail");
    let mut blob = Vec::with_capacity(body.len() + 8);
    blob.extend_from_slice(&(body.len() as u32).to_be_bytes());
    blob.extend_from_slice(&body);
    blob.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
    blob
}

/// `tasks` as iceberg's reader can read them: every Puffin delete is dropped, and each task
/// whose data file has a live DV at `snapshot_id` gets that DV as an in-memory position-delete
/// file in place of its position deletes. Tasks of tables before v3 come back as they are.
pub async fn resolve(
    table: &Table,
    snapshot_id: Option<i64>,
    tasks: Vec<FileScanTask>,
) -> Result<Vec<FileScanTask>> {
    let dvs = live_deletion_vectors(table, snapshot_id).await?;
    resolve_with(table, &dvs, tasks).await
}

/// [`resolve`] with the snapshot's live DVs already read, for callers that resolve many
/// batches of tasks of one snapshot.
pub async fn resolve_with(
    table: &Table,
    dvs: &HashMap<String, DeletionVector>,
    mut tasks: Vec<FileScanTask>,
) -> Result<Vec<FileScanTask>> {
    if dvs.is_empty() {
        return Ok(tasks);
    }
    let puffins: HashSet<&str> = dvs.values().map(|dv| dv.puffin.as_str()).collect();
    let mut stand_ins: HashMap<String, FileScanTaskDeleteFile> = HashMap::new();
    for task in &mut tasks {
        task.deletes.retain(|d| {
            !(d.file_type == DataContentType::PositionDeletes
                && puffins.contains(d.file_path.as_str()))
        });
        let Some(dv) = dvs.get(&task.data_file_path) else {
            continue;
        };
        // A file's DV holds every position it lost (writers merge earlier position deletes
        // into it), so position delete files no longer apply to it, as in Java's delete index.
        task.deletes
            .retain(|d| d.file_type != DataContentType::PositionDeletes);
        let stand_in = match stand_ins.get(&task.data_file_path) {
            Some(found) => found.clone(),
            None => {
                let spec_id = task
                    .partition_spec
                    .as_ref()
                    .map_or(0, |spec| spec.spec_id());
                let made = stand_in_for(table, dv, spec_id).await?;
                stand_ins.insert(task.data_file_path.clone(), made.clone());
                made
            }
        };
        task.deletes.push(stand_in);
    }
    Ok(tasks)
}

/// Write `dv`'s positions as a Parquet position-delete file in memory and describe it as the
/// delete file of a task.
async fn stand_in_for(
    table: &Table,
    dv: &DeletionVector,
    partition_spec_id: i32,
) -> Result<FileScanTaskDeleteFile> {
    let positions = read_positions(table, dv).await?;
    let schema = Arc::new(Schema::new(vec![
        Field::new("file_path", DataType::Utf8, false),
        Field::new("pos", DataType::Int64, false),
    ]));
    let count = positions.len() as usize;
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec![dv.data_file.as_str(); count])),
            Arc::new(Int64Array::from_iter_values(
                positions.iter().map(|p| p as i64),
            )),
        ],
    )?;
    let mut bytes = Vec::new();
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut bytes, schema, None)?;
    writer.write(&batch)?;
    writer.close()?;
    let location = format!("{STAND_IN_ROOT}/{}.parquet", uuid::Uuid::new_v4());
    let size = bytes.len() as u64;
    let output = table.file_io().new_output(&location)?;
    output.write(bytes.into()).await?;
    Ok(FileScanTaskDeleteFile {
        file_path: location,
        file_size_in_bytes: size,
        file_type: DataContentType::PositionDeletes,
        partition_spec_id,
        equality_ids: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dv(length: u64, cardinality: u64) -> DeletionVector {
        DeletionVector {
            puffin: "memory://t/data/d.puffin".into(),
            offset: 4,
            length,
            cardinality,
            data_file: "memory://t/data/a.parquet".into(),
        }
    }

    #[test]
    fn a_blob_round_trips_with_its_positions() {
        let positions: RoaringTreemap = [0u64, 7, 99, 5_000_000_000].into_iter().collect();
        let blob = encode_blob(&positions);
        let decoded = decode_blob(&blob, &dv(blob.len() as u64, 4)).unwrap();
        assert_eq!(
            decoded.iter().collect::<Vec<_>>(),
            vec![0, 7, 99, 5_000_000_000]
        );
    }

    #[test]
    fn a_damaged_blob_is_an_error_naming_the_file_never_fewer_deletes() {
        let positions: RoaringTreemap = (0u64..50).collect();
        let blob = encode_blob(&positions);
        let len = blob.len() as u64;
        let message = |bytes: &[u8], dv: &DeletionVector| {
            format!("{:#}", decode_blob(bytes, dv).unwrap_err())
        };
        let mut flipped = blob.clone();
        flipped[20] ^= 0x01;
        assert!(message(&flipped, &dv(len, 50)).contains("CRC-32"));
        let mut bad_magic = blob.clone();
        bad_magic[4] = 0;
        assert!(message(&bad_magic, &dv(len, 50)).contains("magic"));
        assert!(message(&blob, &dv(len, 49)).contains("manifest entry says 49"));
        assert!(message(&blob[..blob.len() - 1], &dv(len, 50)).contains("not"));
        let text = message(&blob, &dv(len, 49));
        assert!(
            text.contains("memory://t/data/d.puffin") && text.contains("a.parquet"),
            "{text}"
        );
    }

    #[test]
    fn the_blob_layout_is_the_specs() {
        let positions: RoaringTreemap = [3u64].into_iter().collect();
        let blob = encode_blob(&positions);
        let declared = u32::from_be_bytes(blob[0..4].try_into().unwrap()) as usize;
        assert_eq!(
            declared,
            blob.len() - 8,
            "length covers magic and bitmap only"
        );
        assert_eq!(blob[4..8], MAGIC);
        // One 32-bit bitmap (count 1, little-endian), under key 0.
        assert_eq!(blob[8..16], 1u64.to_le_bytes());
        assert_eq!(blob[16..20], 0u32.to_le_bytes());
    }
}
