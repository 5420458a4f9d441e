//! `rewrite-position-deletes` on format v3: position delete files are replaced by deletion
//! vectors, as Iceberg requires of v3 writers. Each live data file that position deletes
//! still apply to gets one DV holding all their positions, every position delete file of the
//! selected partitions leaves, and DVs whose data file is gone leave too. A data file that
//! already has a DV keeps it: readers apply only the DV then, so its position deletes no
//! longer remove anything.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Result;
use futures::{StreamExt, TryStreamExt};
use iceberg::spec::{DataFileFormat, Struct};
use iceberg::table::Table;
use roaring::RoaringTreemap;
use serde::Serialize;

use super::files::partition_words;
use crate::table::deletion_vector_writer::{write_deletion_vectors, DeletionVectorWrite};
use crate::table::position_delete_rewrite::{DeleteInventory, MergedDeletes};
use crate::table::row_matches::read_position_deletes;
use crate::table::Stores;

/// What happens to the position delete files of one partition.
#[derive(Debug, Clone, Serialize)]
pub struct PartitionDeletesReport {
    pub partition: String,
    pub spec_id: i32,
    /// Position delete files (and their entries) in the partition before.
    pub delete_files: usize,
    pub delete_records: u64,
    /// Files merged into new ones.
    pub files_rewritten: usize,
    pub files_written: usize,
    pub records_written: u64,
    /// Files dropped because no entry of theirs removes a row of a live data file.
    pub dangling_files: usize,
    /// Entries dropped (from dangling and merged files) because they name a data file that
    /// is gone, or newer than the delete (which never applied to it).
    pub dangling_records: u64,
}

/// What the conversion replaces and writes.
#[derive(Default)]
pub struct VectorConversion {
    /// Position delete files leaving.
    pub removed_files: Vec<String>,
    /// Deletion vectors leaving (Puffin path, blob offset): their data file is gone.
    pub removed_vectors: Vec<(String, i64)>,
    /// New DVs, each with the data sequence number it is committed at: the highest of the
    /// position deletes it replaces, so it applies to its data file as they did.
    pub vectors: Vec<(DeletionVectorWrite, i64)>,
    pub partitions: Vec<PartitionDeletesReport>,
}

impl VectorConversion {
    pub fn is_empty(&self) -> bool {
        self.removed_files.is_empty() && self.removed_vectors.is_empty()
    }
}

/// Plan the conversion of the position deletes in `inventory` (only those in `selected`
/// partitions, when given).
pub async fn plan_conversion(
    table: &Table,
    stores: &Stores,
    inventory: &DeleteInventory,
    selected: Option<&HashSet<(i32, Struct)>>,
) -> Result<VectorConversion> {
    let metadata = table.metadata();
    let in_selection = |spec_id: i32, partition: &Struct| {
        selected.is_none_or(|s| s.contains(&(spec_id, partition.clone())))
    };
    let mut out = VectorConversion::default();
    let mut with_vector: HashSet<String> = HashSet::new();
    // Per partition: (report, new DVs by data file).
    let mut parts: BTreeMap<(i32, String), PartitionDeletesReport> = BTreeMap::new();
    let mut part_of = |spec_id: i32, partition: &Struct| -> (i32, String) {
        let words = metadata
            .partition_spec_by_id(spec_id)
            .map(|spec| partition_words(spec, Some(partition)))
            .unwrap_or_default();
        let key = (spec_id, words.clone());
        parts.entry(key.clone()).or_insert(PartitionDeletesReport {
            partition: words,
            spec_id,
            delete_files: 0,
            delete_records: 0,
            files_rewritten: 0,
            files_written: 0,
            records_written: 0,
            dangling_files: 0,
            dangling_records: 0,
        });
        key
    };
    let mut keys_of_vectors = vec![];
    for delete in &inventory.position_deletes {
        if delete.file.file_format() != DataFileFormat::Puffin {
            continue;
        }
        let referenced = delete.file.referenced_data_file().unwrap_or_default();
        if inventory.applies(&referenced, delete.sequence_number) {
            with_vector.insert(referenced);
        } else if in_selection(delete.spec_id, delete.file.partition()) {
            let key = part_of(delete.spec_id, delete.file.partition());
            keys_of_vectors.push((key, delete.file.record_count()));
            out.removed_vectors.push((
                delete.file.file_path().to_string(),
                delete.file.content_offset().unwrap_or_default(),
            ));
        }
    }

    let files: Vec<_> = inventory
        .position_deletes
        .iter()
        .filter(|d| d.file.file_format() != DataFileFormat::Puffin)
        .filter(|d| in_selection(d.spec_id, d.file.partition()))
        .collect();
    let read: Vec<_> = futures::stream::iter(files.iter().map(|delete| async move {
        let entries = read_position_deletes(stores, delete.file.file_path()).await?;
        Ok::<_, anyhow::Error>((*delete, entries))
    }))
    .buffered(8)
    .try_collect()
    .await?;
    let mut merged: BTreeMap<String, (RoaringTreemap, i64, (i32, String))> = BTreeMap::new();
    let mut reports: Vec<((i32, String), u64, u64)> = vec![];
    for (delete, entries) in read {
        let key = part_of(delete.spec_id, delete.file.partition());
        let mut dangling = 0u64;
        for (data_file, positions) in entries {
            if !inventory.applies(&data_file, delete.sequence_number)
                || with_vector.contains(&data_file)
            {
                dangling += positions.len() as u64;
                continue;
            }
            let slot = merged
                .entry(data_file)
                .or_insert_with(|| (RoaringTreemap::new(), delete.sequence_number, key.clone()));
            slot.0.extend(positions);
            slot.1 = slot.1.max(delete.sequence_number);
        }
        reports.push((key, delete.file.record_count(), dangling));
        out.removed_files.push(delete.file.file_path().to_string());
    }
    for (key, records, dangling) in reports {
        let part = parts.get_mut(&key).expect("made above");
        part.delete_files += 1;
        part.delete_records += records;
        part.files_rewritten += 1;
        part.dangling_records += dangling;
        if dangling == records {
            part.dangling_files += 1;
        }
    }
    for (key, records) in keys_of_vectors {
        let part = parts.get_mut(&key).expect("made above");
        part.delete_files += 1;
        part.delete_records += records;
        part.dangling_files += 1;
        part.dangling_records += records;
    }
    for (data_file, (positions, sequence_number, key)) in merged {
        let live = &inventory.data_files[&data_file];
        let part = parts.get_mut(&key).expect("made above");
        part.files_written += 1;
        part.records_written += positions.len();
        out.vectors.push((
            DeletionVectorWrite {
                data_file,
                spec_id: live.spec_id,
                partition: live.partition.clone(),
                positions,
            },
            sequence_number,
        ));
    }
    out.partitions = parts.into_values().collect();
    Ok(out)
}

/// Write the planned DVs into one Puffin file; their delete-file entries, ready to commit.
pub async fn write_conversion(
    table: &Table,
    conversion: &VectorConversion,
) -> Result<(Vec<MergedDeletes>, Option<String>)> {
    if conversion.vectors.is_empty() {
        return Ok((vec![], None));
    }
    let path = format!(
        "{}/data/{}-deletes.puffin",
        table.metadata().location().trim_end_matches('/'),
        uuid::Uuid::new_v4()
    );
    let vectors: Vec<DeletionVectorWrite> =
        conversion.vectors.iter().map(|(v, _)| v.clone()).collect();
    let sequence: HashMap<&str, i64> = conversion
        .vectors
        .iter()
        .map(|(v, seq)| (v.data_file.as_str(), *seq))
        .collect();
    let written = match write_deletion_vectors(table, &vectors, &path).await {
        Ok(written) => written,
        Err(e) => {
            let _ = table.file_io().delete(&path).await;
            return Err(e);
        }
    };
    let merged = written
        .into_iter()
        .map(|(spec_id, file)| {
            let sequence_number = file
                .referenced_data_file()
                .and_then(|r| sequence.get(r.as_str()).copied())
                .unwrap_or_default();
            MergedDeletes {
                spec_id,
                file,
                sequence_number,
            }
        })
        .collect();
    Ok((merged, Some(path)))
}
