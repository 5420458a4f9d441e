//! Row lineage (format v3): the `first_row_id` each data file inherits from its manifest, and
//! the reserved `_row_id` / `_last_updated_sequence_number` columns derived from it.
//!
//! iceberg 0.10 reads a manifest's entries as stored, so a data file written with a null
//! `first_row_id` stays null. The spec (and Java's `ManifestReader`) assigns it on read: the
//! manifest's `first_row_id` plus the record counts of the earlier entries in that manifest that
//! also had none, DELETED entries skipped; in a manifest without a `first_row_id` every file's
//! value is null. floe applies that rule wherever it loads a manifest, so that an entry carried
//! into a new manifest keeps its row ids and `_row_id` can be derived on read.

use iceberg::spec::{
    DataContentType, DataFile, DataFileBuilder, Manifest, ManifestContentType, ManifestEntry,
    ManifestFile, ManifestStatus, NestedField, PrimitiveType, Schema, SchemaRef, Type,
};
use std::sync::Arc;

pub use iceberg::metadata_columns::{
    RESERVED_COL_NAME_LAST_UPDATED_SEQUENCE_NUMBER as LAST_UPDATED,
    RESERVED_COL_NAME_ROW_ID as ROW_ID,
    RESERVED_FIELD_ID_LAST_UPDATED_SEQUENCE_NUMBER as LAST_UPDATED_FIELD_ID,
    RESERVED_FIELD_ID_ROW_ID as ROW_ID_FIELD_ID,
};

/// `schema` with the two lineage columns after its own, as a rewrite writes them: the files
/// then carry each row's `_row_id` and `_last_updated_sequence_number` from before.
pub fn with_lineage_fields(schema: &Schema) -> iceberg::Result<Schema> {
    // Optional, as Java writes them: a row without a stored value inherits one on read.
    let mut fields: Vec<_> = schema.as_struct().fields().to_vec();
    for (id, name) in [
        (ROW_ID_FIELD_ID, ROW_ID),
        (LAST_UPDATED_FIELD_ID, LAST_UPDATED),
    ] {
        fields.push(Arc::new(NestedField::optional(
            id,
            name,
            Type::Primitive(PrimitiveType::Long),
        )));
    }
    Schema::builder()
        .with_schema_id(schema.schema_id())
        .with_identifier_field_ids(schema.identifier_field_ids())
        .with_fields(fields)
        .build()
}

/// The schema a rewrite of `metadata`'s table writes kept rows with: the current schema, plus
/// the lineage columns on format v3 (see [`with_lineage_fields`]).
pub fn rewrite_schema(metadata: &iceberg::spec::TableMetadata) -> iceberg::Result<SchemaRef> {
    let current = metadata.current_schema();
    if metadata.format_version() >= iceberg::spec::FormatVersion::V3 {
        Ok(Arc::new(with_lineage_fields(current)?))
    } else {
        Ok(current.clone())
    }
}

/// `manifest` as read from `file`, with every data file's `first_row_id` as the spec assigns it.
pub fn with_inherited_row_ids(file: &ManifestFile, manifest: Manifest) -> Manifest {
    if file.content != ManifestContentType::Data {
        return manifest;
    }
    let needs_work = manifest.entries().iter().any(|e| match file.first_row_id {
        Some(_) => e.status != ManifestStatus::Deleted && e.data_file.first_row_id().is_none(),
        None => e.data_file.first_row_id().is_some(),
    });
    if !needs_work {
        return manifest;
    }
    let (entries, metadata) = manifest.into_parts();
    let mut next = file.first_row_id.map(|id| id as i64);
    let entries = entries
        .into_iter()
        .map(|entry| {
            let mut entry = ManifestEntry::clone(&entry);
            let assigned = match next {
                None => None,
                Some(_) if entry.status == ManifestStatus::Deleted => {
                    entry.data_file.first_row_id()
                }
                Some(_) if entry.data_file.first_row_id().is_some() => {
                    entry.data_file.first_row_id()
                }
                Some(id) => {
                    next = Some(id + entry.data_file.record_count() as i64);
                    Some(id)
                }
            };
            if assigned != entry.data_file.first_row_id() {
                entry.data_file =
                    with_first_row_id(&entry.data_file, file.partition_spec_id, assigned);
            }
            entry
        })
        .collect();
    Manifest::new(metadata, entries)
}

/// `file` with `first_row_id` set (its spec id given again: iceberg keeps it private).
pub fn with_first_row_id(file: &DataFile, spec_id: i32, first_row_id: Option<i64>) -> DataFile {
    let mut builder = DataFileBuilder::default();
    builder
        .content(file.content_type())
        .file_path(file.file_path().to_string())
        .file_format(file.file_format())
        .partition(file.partition().clone())
        .record_count(file.record_count())
        .file_size_in_bytes(file.file_size_in_bytes())
        .column_sizes(file.column_sizes().clone())
        .value_counts(file.value_counts().clone())
        .null_value_counts(file.null_value_counts().clone())
        .nan_value_counts(file.nan_value_counts().clone())
        .lower_bounds(file.lower_bounds().clone())
        .upper_bounds(file.upper_bounds().clone())
        .key_metadata(file.key_metadata().map(<[u8]>::to_vec))
        .split_offsets(file.split_offsets().map(<[i64]>::to_vec))
        .equality_ids(file.equality_ids())
        .first_row_id(first_row_id)
        .partition_spec_id(spec_id)
        .referenced_data_file(file.referenced_data_file())
        .content_offset(file.content_offset())
        .content_size_in_bytes(file.content_size_in_bytes());
    if let Some(order) = file.sort_order_id() {
        builder.sort_order_id(order);
    }
    builder
        .build()
        .expect("every required field of a data file is copied from one")
}

/// Whether `name` is one of the row-lineage metadata columns.
pub fn is_lineage_column(name: &str) -> bool {
    name == ROW_ID || name == LAST_UPDATED
}

/// The lineage of one data file's rows: row `pos` has `_row_id` `first_row_id + pos` and
/// `_last_updated_sequence_number` `sequence_number`, where the file does not store them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLineage {
    pub first_row_id: Option<i64>,
    pub sequence_number: Option<i64>,
}

impl FileLineage {
    pub fn of(entry: &ManifestEntry) -> Option<FileLineage> {
        (entry.data_file.content_type() == DataContentType::Data).then(|| FileLineage {
            first_row_id: entry.data_file.first_row_id(),
            sequence_number: entry.sequence_number,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iceberg::spec::{DataFileFormat, ManifestMetadata, PartitionSpec};

    fn file(path: &str, rows: u64, first_row_id: Option<i64>) -> DataFile {
        DataFileBuilder::default()
            .content(DataContentType::Data)
            .file_path(path.to_string())
            .file_format(DataFileFormat::Parquet)
            .record_count(rows)
            .file_size_in_bytes(100)
            .first_row_id(first_row_id)
            .build()
            .unwrap()
    }

    fn manifest(entries: Vec<(ManifestStatus, DataFile)>) -> Manifest {
        let schema = Arc::new(
            Schema::builder()
                .with_fields(vec![Arc::new(NestedField::required(
                    1,
                    "id",
                    Type::Primitive(PrimitiveType::Long),
                ))])
                .build()
                .unwrap(),
        );
        let metadata = ManifestMetadata::builder()
            .schema_id(0)
            .schema(schema)
            .partition_spec(PartitionSpec::unpartition_spec())
            .format_version(iceberg::spec::FormatVersion::V3)
            .content(ManifestContentType::Data)
            .build();
        let entries = entries
            .into_iter()
            .map(|(status, data_file)| ManifestEntry {
                status,
                snapshot_id: Some(1),
                sequence_number: Some(1),
                file_sequence_number: Some(1),
                data_file,
            })
            .collect();
        Manifest::new(metadata, entries)
    }

    fn list_entry(first_row_id: Option<u64>) -> ManifestFile {
        ManifestFile {
            manifest_path: "m.avro".into(),
            manifest_length: 1,
            partition_spec_id: 0,
            content: ManifestContentType::Data,
            sequence_number: 1,
            min_sequence_number: 1,
            added_snapshot_id: 1,
            added_files_count: Some(0),
            existing_files_count: Some(0),
            deleted_files_count: Some(0),
            added_rows_count: Some(0),
            existing_rows_count: Some(0),
            deleted_rows_count: Some(0),
            partitions: None,
            key_metadata: None,
            first_row_id,
        }
    }

    fn ids(m: &Manifest) -> Vec<Option<i64>> {
        m.entries()
            .iter()
            .map(|e| e.data_file.first_row_id())
            .collect()
    }

    #[test]
    fn files_without_an_id_take_the_next_one_and_deleted_entries_take_none() {
        let m = manifest(vec![
            (ManifestStatus::Added, file("a", 10, None)),
            (ManifestStatus::Existing, file("b", 5, Some(500))),
            (ManifestStatus::Deleted, file("c", 7, None)),
            (ManifestStatus::Existing, file("d", 3, None)),
        ]);
        let m = with_inherited_row_ids(&list_entry(Some(1000)), m);
        assert_eq!(ids(&m), vec![Some(1000), Some(500), None, Some(1010)]);
    }

    #[test]
    fn a_manifest_without_an_id_gives_its_files_none() {
        let m = manifest(vec![(ManifestStatus::Existing, file("b", 5, Some(500)))]);
        let m = with_inherited_row_ids(&list_entry(None), m);
        assert_eq!(ids(&m), vec![None]);
    }

    #[test]
    fn copying_a_file_keeps_everything_but_the_id() {
        let original = file("a", 10, None);
        let copy = with_first_row_id(&original, 0, Some(7));
        assert_eq!(copy.first_row_id(), Some(7));
        assert_eq!(with_first_row_id(&copy, 0, None), original);
    }
}
