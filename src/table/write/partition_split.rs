//! Splitting a batch by partition: compute the partition tuple of every row with iceberg's
//! transforms, sort rows by it once, and hand out contiguous slices. iceberg's own splitter
//! builds a literal per row and filters the whole batch once per partition, which dominates
//! ingest time when a batch spans many partitions.

use std::sync::Arc;

use anyhow::Result;
use arrow::array::{ArrayRef, RecordBatch, StructArray};
use arrow::compute::{lexsort_to_indices, partition, take_record_batch, SortColumn};
use iceberg::arrow::{arrow_struct_to_literal, PartitionValueCalculator};
use iceberg::spec::{Literal, PartitionKey, PartitionSpecRef, SchemaRef, StructType};

pub struct PartitionSplitter {
    calculator: PartitionValueCalculator,
    spec: PartitionSpecRef,
    schema: SchemaRef,
    partition_type: StructType,
}

impl PartitionSplitter {
    pub fn new(schema: SchemaRef, spec: PartitionSpecRef) -> Result<Self> {
        let calculator = PartitionValueCalculator::try_new(&spec, &schema)?;
        let partition_type = spec.partition_type(&schema)?;
        Ok(PartitionSplitter {
            calculator,
            spec,
            schema,
            partition_type,
        })
    }

    /// The batch's rows grouped by partition, each group with its key.
    pub fn split(&self, batch: &RecordBatch) -> Result<Vec<(PartitionKey, RecordBatch)>> {
        let values = self.calculator.calculate(batch)?;
        let values = values
            .as_any()
            .downcast_ref::<StructArray>()
            .ok_or_else(|| anyhow::anyhow!("partition values are not a struct array"))?
            .clone();
        let unsorted = partition(values.columns())?.ranges();
        let (batch, values, ranges) = if unsorted.len() == 1 {
            (batch.clone(), values, unsorted)
        } else {
            let sort: Vec<SortColumn> = values
                .columns()
                .iter()
                .map(|c| SortColumn {
                    values: c.clone(),
                    options: None,
                })
                .collect();
            let indices = lexsort_to_indices(&sort, None)?;
            let sorted =
                StructArray::from(take_record_batch(&RecordBatch::from(values), &indices)?);
            let ranges = partition(sorted.columns())?.ranges();
            (take_record_batch(batch, &indices)?, sorted, ranges)
        };
        let mut out = Vec::with_capacity(ranges.len());
        for range in ranges {
            let key_array: ArrayRef = Arc::new(values.slice(range.start, 1));
            let literal = arrow_struct_to_literal(&key_array, &self.partition_type)?
                .into_iter()
                .next()
                .flatten();
            let data = match literal {
                Some(Literal::Struct(s)) => s,
                _ => return Err(anyhow::anyhow!("partition value is not a struct")),
            };
            let key = PartitionKey::new(self.spec.as_ref().clone(), self.schema.clone(), data);
            out.push((key, batch.slice(range.start, range.end - range.start)));
        }
        Ok(out)
    }
}
