//! The Glue table's `metadata_location` as floe's commit pointer: floe writes the new metadata
//! file create-only, then UpdateTable moves the pointer, guarded by the Glue table's VersionId.
//!
//! Every send of one swap carries the VersionId read with its base, so at most one of them can
//! land, and none can once anything else changed the Glue table. That is what decides an
//! uncertain outcome: while the VersionId is unchanged nothing landed (yet); once it moved, the
//! pointer and the newer metadata's log tell whether the change was ours.

use anyhow::Result;
use async_trait::async_trait;
use aws_sdk_glue::types::Table as GlueTable;
use iceberg::TableIdent;

use super::error::GlueFailure;
use super::input;
use super::{GlueCatalog, Sent};
use crate::error::FloeError;
use crate::table::catalog::floe_catalog::{display_ident, read_table_metadata};
use crate::table::catalog::metadata_commit::{
    write_proposal_file, MetadataPointer, PointedMetadata, Proposal, Settled, Swap,
};
use crate::table::catalog::sql::{metadata_version, new_metadata_location};
use crate::table::storage::stores::Stores;

impl GlueCatalog {
    /// The table's current metadata as its Glue table points at it; the Glue table is kept as
    /// the base of a swap from that metadata.
    pub(super) async fn load(&self, ident: &TableIdent) -> Result<PointedMetadata> {
        let table = self.iceberg_table(ident).await?;
        let location = input::metadata_location(&table)
            .filter(|l| !l.is_empty())
            .ok_or_else(|| {
                FloeError::invalid(format!(
                    "Glue table {} in catalog '{}' is marked as an Iceberg table but has no metadata_location",
                    display_ident(ident),
                    self.name
                ))
                .with_hint("register its metadata file under a new name with `floe register`, or fix the Glue table's parameters")
            })?
            .to_string();
        let metadata = read_table_metadata(&self.stores, &location).await?;
        self.remember_base(ident, &location, table);
        Ok(PointedMetadata { location, metadata })
    }

    fn base_key(ident: &TableIdent, location: &str) -> (String, String) {
        (display_ident(ident), location.to_string())
    }

    fn remember_base(&self, ident: &TableIdent, location: &str, table: GlueTable) {
        let mut bases = self.bases.lock().expect("bases lock");
        // Only the latest reading per table matters; older bases are never swapped from again.
        let name = display_ident(ident);
        bases.retain(|(t, _), _| *t != name);
        bases.insert(Self::base_key(ident, location), table);
    }

    /// The Glue table as read with `base`: remembered from the load, else read now (and then
    /// it must still point at `base`). `None`: it no longer does.
    ///
    /// A remembered one pointed at `base` when it was read, so the check PyIceberg makes before
    /// UpdateTable (the pointer is still the base) holds for its VersionId, and Glue refuses
    /// the update if anything changed the table since: no second read is needed.
    async fn base_table(&self, ident: &TableIdent, base: &str) -> Result<Option<GlueTable>> {
        let remembered = self
            .bases
            .lock()
            .expect("bases lock")
            .get(&Self::base_key(ident, base))
            .cloned();
        if let Some(table) = remembered {
            return Ok(Some(table));
        }
        let table = self.iceberg_table(ident).await?;
        if input::metadata_location(&table) != Some(base) {
            return Ok(None);
        }
        Ok(Some(table))
    }

    /// Record that a swap to `location` is being sent with `version`.
    fn sending(&self, location: &str, version: &str) {
        let mut sent = self.sent.lock().expect("sent lock");
        let entry = sent.entry(location.to_string()).or_insert_with(|| Sent {
            version: version.to_string(),
            uncertain: false,
        });
        entry.version = version.to_string();
    }

    fn mark_uncertain(&self, location: &str) {
        if let Some(entry) = self.sent.lock().expect("sent lock").get_mut(location) {
            entry.uncertain = true;
        }
    }

    fn sent(&self, location: &str) -> Option<Sent> {
        self.sent.lock().expect("sent lock").get(location).cloned()
    }

    fn forget(&self, location: &str) {
        self.sent.lock().expect("sent lock").remove(location);
    }

    /// After an unknown outcome: did the swap from `base` (sent with `version`) to `ours` land?
    async fn settle_swap(
        &self,
        ident: &TableIdent,
        base: &str,
        version: &str,
        ours: &str,
    ) -> Result<Settled> {
        let now = self.iceberg_table(ident).await?;
        let pointer = input::metadata_location(&now).unwrap_or_default();
        if pointer == ours {
            return Ok(Settled::Landed(None));
        }
        if now.version_id() == Some(version) {
            // Unchanged: nothing landed, and the swap may still land, so it is sent again.
            return Ok(Settled::Pending);
        }
        if pointer == base {
            // Something else changed the Glue table; ours can no longer land.
            return Ok(Settled::Lost);
        }
        // Moved on: ours landed first if the newer metadata logs it (Java's rule).
        Ok(if logs(&self.stores, pointer, ours).await? {
            Settled::Landed(None)
        } else {
            Settled::Lost
        })
    }
}

/// Whether the metadata at `newer` lists `ours` in its metadata log.
async fn logs(stores: &Stores, newer: &str, ours: &str) -> Result<bool> {
    let metadata = read_table_metadata(stores, newer).await?;
    Ok(metadata
        .metadata_log()
        .iter()
        .any(|entry| entry.metadata_file == ours))
}

#[async_trait]
impl MetadataPointer for GlueCatalog {
    async fn load_pointed(&self, ident: &TableIdent) -> Result<PointedMetadata> {
        self.load(ident).await
    }

    fn next_location(&self, _ident: &TableIdent, base: &PointedMetadata) -> Result<Option<String>> {
        Ok(Some(new_metadata_location(
            base.metadata.location(),
            metadata_version(&base.location) + 1,
        )))
    }

    async fn swap(&self, ident: &TableIdent, proposal: &Proposal<'_>) -> Swap {
        let (database, name) = match super::names(ident) {
            Ok(names) => names,
            Err(e) => return Swap::Failed(e),
        };
        let base = proposal.base.location.as_str();
        let glue_table = match self.base_table(ident, base).await {
            Ok(Some(table)) => table,
            // The pointer moved since the load (PyIceberg checks this too).
            Ok(None) => return Swap::Lost,
            Err(e) => return Swap::Failed(e),
        };
        let Some(version) = glue_table.version_id().map(str::to_string) else {
            return Swap::Failed(anyhow::anyhow!(
                "Glue table {} has no VersionId, so a commit to it cannot be guarded against concurrent writers",
                display_ident(ident)
            ));
        };
        let location = match write_proposal_file(&self.stores, proposal).await {
            Ok(location) => location,
            Err(failed) => return failed,
        };
        let table_input = match input::table_input(
            &name,
            location,
            Some(base),
            proposal.metadata,
            Some(&glue_table),
        ) {
            Ok(input) => input,
            Err(e) => return Swap::Failed(e),
        };
        self.sending(location, &version);
        let sent = self
            .glue_once
            .update_table()
            .set_catalog_id(self.catalog_id.clone())
            .database_name(&database)
            .table_input(table_input)
            .version_id(&version)
            .skip_archive(self.skip_archive)
            .send()
            .await;
        let failure = match sent {
            Ok(_) => {
                self.forget(location);
                return Swap::Swapped(None);
            }
            Err(e) => GlueFailure::from_sdk(e),
        };
        let doing = format!("commit to table {}", display_ident(ident));
        if failure.is("ConcurrentModificationException") {
            // Another change took the version first. If an earlier send of this very swap went
            // unanswered, that change may have been ours: read back.
            if self.sent(location).is_some_and(|s| s.uncertain) {
                return Swap::Unknown(self.fail(failure, &doing));
            }
            self.forget(location);
            return Swap::Lost;
        }
        if failure.may_have_landed() {
            self.mark_uncertain(location);
            return Swap::Unknown(self.fail(failure, &doing));
        }
        // Refused: this send changed nothing. An earlier one of the same swap that went
        // unanswered may still have landed, so that is for reading back to decide.
        if self.sent(location).is_some_and(|s| s.uncertain) {
            return Swap::Unknown(self.fail(failure, &doing));
        }
        self.forget(location);
        if failure.is_not_found() {
            return Swap::Failed(self.not_found(ident));
        }
        Swap::Failed(self.fail(failure, &doing))
    }

    async fn settle(&self, ident: &TableIdent, proposal: &Proposal<'_>) -> Result<Settled> {
        let (ours, _) = proposal.file()?;
        let base = proposal.base.location.as_str();
        let sent = self.sent(ours).ok_or_else(|| {
            anyhow::anyhow!("internal: no swap to {ours} was sent, so there is nothing to settle")
        })?;
        let settled = self.settle_swap(ident, base, &sent.version, ours).await?;
        if !matches!(settled, Settled::Pending) {
            self.forget(ours);
        }
        Ok(settled)
    }

    async fn discard(&self, location: &str) {
        self.forget(location);
        let _ = self.stores.delete(location).await;
    }

    fn describe(&self, ident: &TableIdent) -> String {
        format!("{} (Glue catalog '{}')", display_ident(ident), self.name)
    }

    fn pointer_stores(&self) -> &Stores {
        &self.stores
    }
}

#[cfg(test)]
mod tests {
    //! Against the test server's Glue (`FLOE_TEST_S3_ENDPOINT`, as scripts/test starts it);
    //! skipped without one unless FLOE_TEST_REQUIRE_ALL=1.

    use std::collections::HashMap;

    use bytes::Bytes;
    use iceberg::spec::{NestedField, PrimitiveType, Schema, TableMetadata, Type};
    use iceberg::{Catalog, NamespaceIdent, TableCreation, TableUpdate};

    use super::*;
    use crate::table::catalog::commit_policy::apply_updates;
    use crate::table::catalog::floe_catalog::FloeCatalog;

    fn glue_props() -> Option<HashMap<String, String>> {
        let endpoint = match std::env::var("FLOE_TEST_S3_ENDPOINT") {
            Ok(e) if !e.is_empty() => e,
            _ => {
                assert!(
                    std::env::var("FLOE_TEST_REQUIRE_ALL").map_or(true, |v| v != "1"),
                    "FLOE_TEST_S3_ENDPOINT is required (FLOE_TEST_REQUIRE_ALL=1)"
                );
                eprintln!("skipping: no FLOE_TEST_S3_ENDPOINT (run the suite with scripts/test)");
                return None;
            }
        };
        let bucket = std::env::var("FLOE_TEST_S3_BUCKET").unwrap_or_else(|_| "floe-test".into());
        let props = [
            ("glue.endpoint", endpoint.as_str()),
            ("glue.region", "us-east-1"),
            ("glue.access-key-id", "testing"),
            ("glue.secret-access-key", "testing"),
            ("s3.endpoint", endpoint.as_str()),
            ("s3.access-key-id", "testing"),
            ("s3.secret-access-key", "testing"),
            ("s3.region", "us-east-1"),
            ("s3.path-style-access", "true"),
        ];
        let mut props: HashMap<String, String> = props
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        props.insert(
            "warehouse".into(),
            format!("s3://{bucket}/glue-unit-{}", uuid::Uuid::new_v4().simple()),
        );
        Some(props)
    }

    async fn catalog(props: &HashMap<String, String>) -> GlueCatalog {
        GlueCatalog::connect("unit", props.clone(), Stores::new(props.clone()))
            .await
            .unwrap()
    }

    fn set(key: &str) -> Vec<TableUpdate> {
        vec![TableUpdate::SetProperties {
            updates: HashMap::from([(key.to_string(), "1".to_string())]),
        }]
    }

    /// What floe's commit path would propose from `base`: the metadata and its new file.
    fn propose(
        catalog: &GlueCatalog,
        ident: &TableIdent,
        base: &PointedMetadata,
        updates: &[TableUpdate],
    ) -> (String, Bytes, TableMetadata) {
        let (metadata, _) = apply_updates(&base.metadata, &base.location, updates).unwrap();
        let location = catalog.next_location(ident, base).unwrap().unwrap();
        let bytes = Bytes::from(serde_json::to_vec_pretty(&metadata).unwrap());
        (location, bytes, metadata)
    }

    async fn version(catalog: &GlueCatalog, ident: &TableIdent) -> String {
        let (database, name) = super::super::names(ident).unwrap();
        let table = catalog.get_table(&database, &name).await.unwrap().unwrap();
        table.version_id().unwrap().to_string()
    }

    async fn decided(
        catalog: &GlueCatalog,
        ident: &TableIdent,
        base: &str,
        version: &str,
        ours: &str,
    ) -> &'static str {
        match catalog
            .settle_swap(ident, base, version, ours)
            .await
            .unwrap()
        {
            Settled::Landed(_) => "landed",
            Settled::Lost => "lost",
            Settled::Pending => "pending",
            Settled::Absent => "absent",
        }
    }

    /// Two writers (two catalogs, as two processes): a swap sent with the VersionId read
    /// before the other's commit is refused by Glue and is `Lost`; after an unknown outcome
    /// the VersionId, the pointer and the metadata log decide; a re-send refused after an
    /// unanswered first send reads back and finds the first one landed.
    #[tokio::test(flavor = "multi_thread")]
    async fn stale_version_ids_lose_and_uncertain_swaps_settle_by_version() {
        let Some(props) = glue_props() else {
            return;
        };
        let ours = catalog(&props).await;
        let theirs = catalog(&props).await;
        let db = format!("unit_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let ns = NamespaceIdent::new(db.clone());
        ours.create_namespace(&ns, HashMap::new()).await.unwrap();
        let ident = TableIdent::new(ns.clone(), "t".into());
        let schema = Schema::builder()
            .with_fields(vec![NestedField::required(
                1,
                "id",
                Type::Primitive(PrimitiveType::Long),
            )
            .into()])
            .build()
            .unwrap();
        ours.create_table(
            &ns,
            TableCreation::builder()
                .name("t".into())
                .schema(schema)
                .build(),
        )
        .await
        .unwrap();

        // We load; the other writer commits meanwhile, moving the Glue table's VersionId.
        let base = ours.load_pointed(&ident).await.unwrap();
        let stale = version(&ours, &ident).await;
        let committed = theirs.commit(&ident, vec![], set("theirs")).await.unwrap();
        let theirs_location = committed.metadata_location().unwrap().to_string();
        assert_ne!(version(&ours, &ident).await, stale);

        // Our swap still carries the VersionId read with its base: Glue refuses it.
        let updates = set("ours");
        let (location, bytes, metadata) = propose(&ours, &ident, &base, &updates);
        let proposal = Proposal {
            base: &base,
            metadata: &metadata,
            file: Some((&location, &bytes)),
            requirements: &[],
            updates: &updates,
            added_snapshots: &[],
            key: "test",
        };
        assert!(matches!(ours.swap(&ident, &proposal).await, Swap::Lost));
        assert_eq!(
            ours.load_pointed(&ident).await.unwrap().location,
            theirs_location,
            "the refused swap changed nothing"
        );

        // Deciding an unknown outcome: unchanged VersionId = not (yet) landed; moved on = ours
        // if the pointer or a newer metadata's log names it, else lost.
        let now = version(&ours, &ident).await;
        assert_eq!(
            decided(&ours, &ident, &theirs_location, &now, &location).await,
            "pending"
        );
        assert_eq!(
            decided(&ours, &ident, &base.location, &stale, &location).await,
            "lost"
        );
        assert_eq!(
            decided(&ours, &ident, &base.location, &stale, &theirs_location).await,
            "landed"
        );
        theirs.commit(&ident, vec![], set("again")).await.unwrap();
        assert_eq!(
            decided(&ours, &ident, &base.location, &stale, &theirs_location).await,
            "landed",
            "a newer metadata logs it"
        );

        // Another tool edits the Glue table without moving the pointer: a swap from before
        // that edit can no longer land.
        let base = ours.load_pointed(&ident).await.unwrap();
        let before_edit = version(&ours, &ident).await;
        let (database, name) = super::super::names(&ident).unwrap();
        let glue_table = theirs.get_table(&database, &name).await.unwrap().unwrap();
        let mut edit = input::renamed_input(&name, &glue_table).unwrap();
        edit.description = Some("edited in the console".into());
        theirs
            .glue
            .update_table()
            .database_name(&database)
            .table_input(edit)
            .send()
            .await
            .unwrap();
        let updates = set("after-edit");
        let (location, bytes, metadata) = propose(&ours, &ident, &base, &updates);
        let proposal = Proposal {
            base: &base,
            metadata: &metadata,
            file: Some((&location, &bytes)),
            requirements: &[],
            updates: &updates,
            added_snapshots: &[],
            key: "test",
        };
        assert!(matches!(ours.swap(&ident, &proposal).await, Swap::Lost));
        assert_eq!(
            decided(&ours, &ident, &base.location, &before_edit, &location).await,
            "lost"
        );

        // A swap that landed but whose answer was lost: sent again, Glue refuses the stale
        // VersionId, and reading back finds the first send landed.
        let base = ours.load_pointed(&ident).await.unwrap();
        let updates = set("answer-lost");
        let (location, bytes, metadata) = propose(&ours, &ident, &base, &updates);
        let proposal = Proposal {
            base: &base,
            metadata: &metadata,
            file: Some((&location, &bytes)),
            requirements: &[],
            updates: &updates,
            added_snapshots: &[],
            key: "test",
        };
        let sent_with = version(&ours, &ident).await;
        assert!(matches!(
            ours.swap(&ident, &proposal).await,
            Swap::Swapped(None)
        ));
        ours.sending(&location, &sent_with);
        ours.mark_uncertain(&location);
        assert!(matches!(
            ours.swap(&ident, &proposal).await,
            Swap::Unknown(_)
        ));
        assert!(matches!(
            ours.settle(&ident, &proposal).await.unwrap(),
            Settled::Landed(_)
        ));
        let glue = theirs.get_table(&database, &name).await.unwrap().unwrap();
        assert_eq!(input::metadata_location(&glue), Some(location.as_str()));
        assert_eq!(
            glue.parameters().unwrap().get("previous_metadata_location"),
            Some(&base.location)
        );
        assert_eq!(glue.description(), Some("edited in the console"));

        ours.drop_table(&ident).await.unwrap();
        ours.drop_namespace(&ns).await.unwrap();
    }
}
