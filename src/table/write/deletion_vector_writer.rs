//! Writing deletion vectors (format v3): the positions deleted from each data file, one
//! `deletion-vector-v1` blob per data file, all in one Puffin file, and the delete-file entry
//! of each (its offset, length, cardinality and referenced data file), as Iceberg Java writes
//! them: blob fields `[_pos]`, snapshot id and sequence number -1 (inherited on commit), no
//! compression, properties `referenced-data-file` and `cardinality`.

use std::collections::HashMap;

use anyhow::{Context, Result};
use iceberg::metadata_columns::RESERVED_FIELD_ID_POS;
use iceberg::puffin::{Blob, CompressionCodec, PuffinReader, PuffinWriter, DELETION_VECTOR_V1};
use iceberg::spec::{DataContentType, DataFile, DataFileBuilder, DataFileFormat, Struct};
use iceberg::table::Table;
use roaring::RoaringTreemap;

use crate::table::read::deletion_vectors::encode_blob;

/// The DV of one data file.
#[derive(Debug, Clone)]
pub struct DeletionVectorWrite {
    pub data_file: String,
    pub spec_id: i32,
    pub partition: Struct,
    /// Every position the file has lost: its earlier DV's and the new ones.
    pub positions: RoaringTreemap,
}

/// Write `vectors` into one Puffin file at `path`; returns each one's delete-file entry (with
/// its spec id), in the order given. The offsets are read back from the file's own footer.
pub async fn write_deletion_vectors(
    table: &Table,
    vectors: &[DeletionVectorWrite],
    path: &str,
) -> Result<Vec<(i32, DataFile)>> {
    let output = table.file_io().new_output(path)?;
    let mut writer = PuffinWriter::new(
        &output,
        HashMap::from([(
            iceberg::puffin::CREATED_BY_PROPERTY.to_string(),
            format!("floe {}", env!("CARGO_PKG_VERSION")),
        )]),
        false,
    )
    .await?;
    for dv in vectors {
        let blob = Blob::builder()
            .r#type(DELETION_VECTOR_V1.to_string())
            .fields(vec![RESERVED_FIELD_ID_POS])
            .snapshot_id(-1)
            .sequence_number(-1)
            .data(encode_blob(&dv.positions))
            .properties(HashMap::from([
                ("referenced-data-file".to_string(), dv.data_file.clone()),
                ("cardinality".to_string(), dv.positions.len().to_string()),
            ]))
            .build();
        writer.add(blob, CompressionCodec::None).await?;
    }
    writer.close().await?;

    let input = table.file_io().new_input(path)?;
    let size = input.metadata().await?.size;
    let reader = PuffinReader::new(input);
    let footer = reader
        .file_metadata()
        .await
        .with_context(|| format!("reading back the footer of {path}"))?;
    let blobs = footer.blobs();
    if blobs.len() != vectors.len() {
        anyhow::bail!(
            "{path} lists {} blobs after writing {}",
            blobs.len(),
            vectors.len()
        );
    }
    let mut out = Vec::with_capacity(vectors.len());
    for (dv, blob) in vectors.iter().zip(blobs) {
        let file = DataFileBuilder::default()
            .content(DataContentType::PositionDeletes)
            .file_path(path.to_string())
            .file_format(DataFileFormat::Puffin)
            .partition(dv.partition.clone())
            .partition_spec_id(dv.spec_id)
            .record_count(dv.positions.len())
            .file_size_in_bytes(size)
            .referenced_data_file(Some(dv.data_file.clone()))
            .content_offset(Some(blob.offset() as i64))
            .content_size_in_bytes(Some(blob.length() as i64))
            .build()?;
        out.push((dv.spec_id, file));
    }
    Ok(out)
}
