# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_floe_global_optspecs
    string join \n catalog= config= o/output= q/quiet no-progress v/verbose log-format= h/help V/version
end

function __fish_floe_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_floe_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_floe_using_subcommand
    set -l cmd (__fish_floe_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c floe -n "__fish_floe_needs_command" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_needs_command" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_needs_command" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_needs_command" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_needs_command" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_needs_command" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_needs_command" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_needs_command" -f -a "create" -d 'Create a table from a schema file or a sample data file'
complete -c floe -n "__fish_floe_needs_command" -f -a "ingest" -d 'Load Parquet, CSV (with header) or NDJSON files into a table as ONE atomic snapshot'
complete -c floe -n "__fish_floe_needs_command" -f -a "delete" -d 'Delete the rows matching a SQL predicate (GDPR erasure, bad loads), as ONE snapshot'
complete -c floe -n "__fish_floe_needs_command" -f -a "add-files" -d 'Register existing Parquet files as data files of a table in ONE append snapshot, without rewriting them (like Spark\'s add_files procedure and PyIceberg\'s add_files)'
complete -c floe -n "__fish_floe_needs_command" -f -a "describe" -d 'Show everything about a table on one page'
complete -c floe -n "__fish_floe_needs_command" -f -a "schema" -d 'Show the schema as a tree, or every schema with --history; `schema evolve` changes it'
complete -c floe -n "__fish_floe_needs_command" -f -a "snapshots" -d 'List snapshots with their operation and summary'
complete -c floe -n "__fish_floe_needs_command" -f -a "snapshot" -d 'Show one snapshot: summary and manifests'
complete -c floe -n "__fish_floe_needs_command" -f -a "files" -d 'List the live files of the current (or a given) snapshot'
complete -c floe -n "__fish_floe_needs_command" -f -a "diff" -d 'Show what changed between two versions of a table'
complete -c floe -n "__fish_floe_needs_command" -f -a "history" -d 'Show the snapshot log: when each snapshot became current'
complete -c floe -n "__fish_floe_needs_command" -f -a "refs" -d 'List the table\'s branches and tags with their retention settings'
complete -c floe -n "__fish_floe_needs_command" -f -a "manifests" -d 'List the manifests of the current (or a given) snapshot with their file and row counts'
complete -c floe -n "__fish_floe_needs_command" -f -a "partitions" -d 'Show record count, file count and size of each partition of a snapshot'
complete -c floe -n "__fish_floe_needs_command" -f -a "properties" -d 'Show table properties; with --set/--unset, change them in one commit first'
complete -c floe -n "__fish_floe_needs_command" -f -a "partition" -d 'Partition spec commands'
complete -c floe -n "__fish_floe_needs_command" -f -a "sort-order" -d 'Sort order commands'
complete -c floe -n "__fish_floe_needs_command" -f -a "list" -d 'List tables in a namespace, or in every namespace'
complete -c floe -n "__fish_floe_needs_command" -f -a "namespaces" -d 'List namespaces (nested ones included); create or drop them first when asked'
complete -c floe -n "__fish_floe_needs_command" -f -a "drop" -d 'Drop a table; --purge also deletes its files'
complete -c floe -n "__fish_floe_needs_command" -f -a "rename" -d 'Rename a table (namespace.table to namespace.table; sql catalogs)'
complete -c floe -n "__fish_floe_needs_command" -f -a "register" -d 'Register an existing table by its metadata file (sql catalogs)'
complete -c floe -n "__fish_floe_needs_command" -f -a "query" -d 'Read a table, now or at any past version'
complete -c floe -n "__fish_floe_needs_command" -f -a "sql" -d 'Run a SQL query (DataFusion) over tables of the selected catalog'
complete -c floe -n "__fish_floe_needs_command" -f -a "compact" -d 'Rewrite small files into files near the target size, safely beside concurrent writers'
complete -c floe -n "__fish_floe_needs_command" -f -a "rewrite-manifests" -d 'Merge small manifests, entries clustered by partition, into manifests near the target size'
complete -c floe -n "__fish_floe_needs_command" -f -a "rewrite-position-deletes" -d 'Merge a merge-on-read table\'s small position delete files and drop dangling ones'
complete -c floe -n "__fish_floe_needs_command" -f -a "expire" -d 'Drop old snapshots, then delete the files no remaining snapshot reaches'
complete -c floe -n "__fish_floe_needs_command" -f -a "remove-orphans" -d 'Delete files under the table\'s location that nothing reaches'
complete -c floe -n "__fish_floe_needs_command" -f -a "rollback" -d 'Point main back at an older snapshot (an ancestor of the current one unless --force)'
complete -c floe -n "__fish_floe_needs_command" -f -a "tag" -d 'Create, drop or list tags: names for snapshots that expiry keeps'
complete -c floe -n "__fish_floe_needs_command" -f -a "branch" -d 'Create, drop, list or fast-forward branches; `ingest --branch` writes to one'
complete -c floe -n "__fish_floe_needs_command" -f -a "verify" -d 'Check that every file the chosen snapshots reach exists with its recorded size'
complete -c floe -n "__fish_floe_needs_command" -f -a "health" -d 'Check tables for what maintenance they need; with --fail-on, exit 4 when they need it'
complete -c floe -n "__fish_floe_needs_command" -f -a "report" -d 'Report on a table: summary, file sizes, partitions, snapshot timeline, schema history and health findings'
complete -c floe -n "__fish_floe_needs_command" -f -a "maintain" -d 'Compact, rewrite position deletes, rewrite manifests, expire snapshots, trim metadata and remove orphans, per table'
complete -c floe -n "__fish_floe_needs_command" -f -a "policy" -d 'Show the maintenance settings `maintain` uses for a table'
complete -c floe -n "__fish_floe_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c floe -n "__fish_floe_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c floe -n "__fish_floe_using_subcommand create" -l schema -d 'Schema file (YAML or JSON)' -r -F
complete -c floe -n "__fish_floe_using_subcommand create" -l like -d 'Infer the schema from a data file (Parquet, CSV with header, NDJSON)' -r
complete -c floe -n "__fish_floe_using_subcommand create" -l partition-by -d 'Partition field: identity(c) or c, bucket(N, c), truncate(W, c), year(c), month(c), day(c), hour(c). Repeat, or separate with commas, for several' -r
complete -c floe -n "__fish_floe_using_subcommand create" -l sort-by -d 'Sort field: EXPR [asc|desc] [nulls first|last]. Repeat, or separate with commas ("ts, amount desc"), for several' -r
complete -c floe -n "__fish_floe_using_subcommand create" -l property -d 'Table property KEY=VALUE (e.g. write.target-file-size-bytes=268435456). Repeatable' -r
complete -c floe -n "__fish_floe_using_subcommand create" -l format-version -d 'Iceberg format version: 1, 2 (the default) or 3 (deletion vectors, row lineage). The same as `--property format-version=N`' -r
complete -c floe -n "__fish_floe_using_subcommand create" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand create" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand create" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand create" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand create" -l if-not-exists -d 'Succeed without change when the table already exists'
complete -c floe -n "__fish_floe_using_subcommand create" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand create" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand create" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand create" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand ingest" -l format -d 'Input format; auto goes by file extension' -r -f -a "auto\t''
parquet\t''
csv\t''
json\t''"
complete -c floe -n "__fish_floe_using_subcommand ingest" -l mode -d 'append adds rows; overwrite replaces the table\'s rows (or, with --where, the rows the predicate selects)' -r -f -a "append\t'Add the rows to the table'
overwrite\t'Replace the table\'s rows with the input'"
complete -c floe -n "__fish_floe_using_subcommand ingest" -l where -d 'With --mode overwrite: replace only the rows this SQL predicate selects, e.g. "day = \'2024-06-01\'". Every input row must match it' -r
complete -c floe -n "__fish_floe_using_subcommand ingest" -l upsert -d 'Rows whose key matches a live row replace it; the rest are appended, in one snapshot. The key defaults to the schema\'s identifier fields. Put it after the files or write --upsert=KEY,... so files are not taken for keys' -r
complete -c floe -n "__fish_floe_using_subcommand ingest" -l row-mode -d 'How replaced rows leave files that keep others: copy-on-write rewrites them, merge-on-read writes delete files (position deletes for --where, equality deletes for --upsert). Default: the table\'s write.delete.mode / write.upsert.mode / write.update.mode, else copy-on-write' -r -f -a "copy-on-write\t'Rewrite the affected data files without the rows'
merge-on-read\t'Write delete files naming the rows; data files stay'"
complete -c floe -n "__fish_floe_using_subcommand ingest" -l branch -d 'Commit to this branch instead of main (create it with `floe branch create`)' -r
complete -c floe -n "__fish_floe_using_subcommand ingest" -l isolation -d 'serializable: an overwrite fails (exit 3) when another writer added data after it started; snapshot: it replaces that data too' -r -f -a "serializable\t''
snapshot\t''"
complete -c floe -n "__fish_floe_using_subcommand ingest" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand ingest" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand ingest" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand ingest" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand ingest" -l overwrite-partitions -d 'Replace every row of exactly the partitions the input writes to (dynamic partition overwrite); other partitions stay'
complete -c floe -n "__fish_floe_using_subcommand ingest" -l skip-loaded -d 'Load only inputs not loaded before: each source\'s location, size and ETag (or modification time) is recorded with the commit that loads it, so a re-run after success loads nothing and a re-run after a failure loads what did not land. A source counts as loaded on --branch only while the snapshot that loaded it is in the branch\'s history: after a rollback past that load, or for another branch, it is loaded again (once that rolled-back snapshot is expired, floe can no longer tell, and counts the source as loaded)'
complete -c floe -n "__fish_floe_using_subcommand ingest" -l merge-schema -d 'Add input columns the table lacks (union by name) and widen int→long, float→double where typed inputs need it, in the same commit as the data'
complete -c floe -n "__fish_floe_using_subcommand ingest" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand ingest" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand ingest" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand ingest" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand ingest" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand delete" -l where -d 'SQL predicate over the table\'s columns, e.g. "customer_id = 42" or "ts < \'2024-01-01\' AND region = \'eu\'". Rows where it is NULL stay' -r
complete -c floe -n "__fish_floe_using_subcommand delete" -l mode -d 'How rows leave files that keep other rows (default: the table\'s write.delete.mode)' -r -f -a "copy-on-write\t'Rewrite the affected data files without the rows'
merge-on-read\t'Write delete files naming the rows; data files stay'"
complete -c floe -n "__fish_floe_using_subcommand delete" -l branch -d 'Delete on this branch instead of main' -r
complete -c floe -n "__fish_floe_using_subcommand delete" -l isolation -d 'serializable: fail (exit 3) when another writer added rows the predicate may select after the delete started; snapshot: leave such rows alone' -r -f -a "serializable\t''
snapshot\t''"
complete -c floe -n "__fish_floe_using_subcommand delete" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand delete" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand delete" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand delete" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand delete" -l dry-run -d 'Report the files, delete files and rows affected without changing anything'
complete -c floe -n "__fish_floe_using_subcommand delete" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand delete" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand delete" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand delete" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand add-files" -l branch -d 'Commit to this branch instead of main (create it with `floe branch create`)' -r
complete -c floe -n "__fish_floe_using_subcommand add-files" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand add-files" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand add-files" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand add-files" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand add-files" -l hive-partitioned -d 'Take partition values from Hive-style path segments (region=eu/ts_month=2024-03/), named by the partition field (or, for identity partitions, the source column)'
complete -c floe -n "__fish_floe_using_subcommand add-files" -l dry-run -d 'Show the files, partitions, records and bytes without committing'
complete -c floe -n "__fish_floe_using_subcommand add-files" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand add-files" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand add-files" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand add-files" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand add-files" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand describe" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand describe" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand describe" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand describe" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand describe" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand describe" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand describe" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand describe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand describe" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand schema; and not __fish_seen_subcommand_from evolve help" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand schema; and not __fish_seen_subcommand_from evolve help" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand schema; and not __fish_seen_subcommand_from evolve help" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand schema; and not __fish_seen_subcommand_from evolve help" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand schema; and not __fish_seen_subcommand_from evolve help" -l history -d 'Every schema, not just the current one'
complete -c floe -n "__fish_floe_using_subcommand schema; and not __fish_seen_subcommand_from evolve help" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand schema; and not __fish_seen_subcommand_from evolve help" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand schema; and not __fish_seen_subcommand_from evolve help" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand schema; and not __fish_seen_subcommand_from evolve help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand schema; and not __fish_seen_subcommand_from evolve help" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand schema; and not __fish_seen_subcommand_from evolve help" -a "evolve" -d 'Change the schema in ONE atomic step; field ids are kept, new columns get new ids'
complete -c floe -n "__fish_floe_using_subcommand schema; and not __fish_seen_subcommand_from evolve help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l add -d 'Add an optional column NAME:TYPE (primitive types; `parent.child:TYPE` inside a struct)' -r
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l rename -d 'Rename OLD:NEW (NEW is the new last name part)' -r
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l drop -d 'Drop a column' -r
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l widen -d 'Widen NAME:TYPE (int to long, float to double, decimal precision up)' -r
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l make-optional -d 'Make a required column optional' -r
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l make-required -d 'Make an optional column required: refused, as Iceberg refuses it (files already written may hold nulls in it)' -r
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l doc -d 'Set a column\'s doc: NAME:TEXT' -r
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l move -d 'Move NAME:first, NAME:after:OTHER or NAME:before:OTHER (among its siblings)' -r
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l identifier-fields -d 'Set the identifier fields (comma-separated; required, non-floating primitives)' -r
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l required -d 'Make the --add columns required. Refused on format v2 tables: rows already written would need a default, and v2 has no column defaults'
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l dry-run -d 'Show the resulting schema without committing'
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from evolve" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from help" -f -a "evolve" -d 'Change the schema in ONE atomic step; field ids are kept, new columns get new ids'
complete -c floe -n "__fish_floe_using_subcommand schema; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c floe -n "__fish_floe_using_subcommand snapshots" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand snapshots" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand snapshots" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand snapshots" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand snapshots" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand snapshots" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand snapshots" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand snapshots" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand snapshots" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand snapshot" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand snapshot" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand snapshot" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand snapshot" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand snapshot" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand snapshot" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand snapshot" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand snapshot" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand snapshot" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand files" -l snapshot -d 'Snapshot to list instead of the current one' -r
complete -c floe -n "__fish_floe_using_subcommand files" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand files" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand files" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand files" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand files" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand files" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand files" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand files" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand files" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand diff" -l preview -d 'With --rows: rows shown by -o table' -r
complete -c floe -n "__fish_floe_using_subcommand diff" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand diff" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand diff" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand diff" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand diff" -l rows -d 'Print the added and removed rows instead of the summary'
complete -c floe -n "__fish_floe_using_subcommand diff" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand diff" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand diff" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand diff" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand history" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand history" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand history" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand history" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand history" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand history" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand history" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand history" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand refs" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand refs" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand refs" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand refs" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand refs" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand refs" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand refs" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand refs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand refs" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand manifests" -l snapshot -d 'Snapshot to list instead of the current one' -r
complete -c floe -n "__fish_floe_using_subcommand manifests" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand manifests" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand manifests" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand manifests" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand manifests" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand manifests" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand manifests" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand manifests" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand manifests" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand partitions" -l snapshot -d 'Snapshot to summarise instead of the current one' -r
complete -c floe -n "__fish_floe_using_subcommand partitions" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand partitions" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand partitions" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand partitions" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand partitions" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand partitions" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand partitions" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand partitions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand partitions" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand properties" -l set -d 'Set KEY=VALUE. Repeatable' -r
complete -c floe -n "__fish_floe_using_subcommand properties" -l unset -d 'Remove KEY. Repeatable' -r
complete -c floe -n "__fish_floe_using_subcommand properties" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand properties" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand properties" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand properties" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand properties" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand properties" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand properties" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand properties" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand properties" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand partition; and not __fish_seen_subcommand_from evolve help" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand partition; and not __fish_seen_subcommand_from evolve help" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand partition; and not __fish_seen_subcommand_from evolve help" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand partition; and not __fish_seen_subcommand_from evolve help" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand partition; and not __fish_seen_subcommand_from evolve help" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand partition; and not __fish_seen_subcommand_from evolve help" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand partition; and not __fish_seen_subcommand_from evolve help" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand partition; and not __fish_seen_subcommand_from evolve help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand partition; and not __fish_seen_subcommand_from evolve help" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand partition; and not __fish_seen_subcommand_from evolve help" -f -a "evolve" -d 'Make a new partition spec the default: files already written keep theirs, new writes use the new one, reads span both'
complete -c floe -n "__fish_floe_using_subcommand partition; and not __fish_seen_subcommand_from evolve help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c floe -n "__fish_floe_using_subcommand partition; and __fish_seen_subcommand_from evolve" -l add -d 'Add a partition field: identity(c) or c, bucket(N, c), truncate(W, c), year/month/day/hour(c)' -r
complete -c floe -n "__fish_floe_using_subcommand partition; and __fish_seen_subcommand_from evolve" -l remove -d 'Remove a partition field, by name or expression' -r
complete -c floe -n "__fish_floe_using_subcommand partition; and __fish_seen_subcommand_from evolve" -l rename -d 'Rename a partition field OLD:NEW' -r
complete -c floe -n "__fish_floe_using_subcommand partition; and __fish_seen_subcommand_from evolve" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand partition; and __fish_seen_subcommand_from evolve" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand partition; and __fish_seen_subcommand_from evolve" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand partition; and __fish_seen_subcommand_from evolve" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand partition; and __fish_seen_subcommand_from evolve" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand partition; and __fish_seen_subcommand_from evolve" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand partition; and __fish_seen_subcommand_from evolve" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand partition; and __fish_seen_subcommand_from evolve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand partition; and __fish_seen_subcommand_from evolve" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand partition; and __fish_seen_subcommand_from help" -f -a "evolve" -d 'Make a new partition spec the default: files already written keep theirs, new writes use the new one, reads span both'
complete -c floe -n "__fish_floe_using_subcommand partition; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c floe -n "__fish_floe_using_subcommand sort-order; and not __fish_seen_subcommand_from set help" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand sort-order; and not __fish_seen_subcommand_from set help" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand sort-order; and not __fish_seen_subcommand_from set help" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand sort-order; and not __fish_seen_subcommand_from set help" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand sort-order; and not __fish_seen_subcommand_from set help" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand sort-order; and not __fish_seen_subcommand_from set help" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand sort-order; and not __fish_seen_subcommand_from set help" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand sort-order; and not __fish_seen_subcommand_from set help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand sort-order; and not __fish_seen_subcommand_from set help" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand sort-order; and not __fish_seen_subcommand_from set help" -f -a "set" -d 'Make a new default sort order: EXPR [asc|desc] [nulls first|last], e.g. "ts desc", "bucket(16, id)". No EXPR means unsorted'
complete -c floe -n "__fish_floe_using_subcommand sort-order; and not __fish_seen_subcommand_from set help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c floe -n "__fish_floe_using_subcommand sort-order; and __fish_seen_subcommand_from set" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand sort-order; and __fish_seen_subcommand_from set" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand sort-order; and __fish_seen_subcommand_from set" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand sort-order; and __fish_seen_subcommand_from set" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand sort-order; and __fish_seen_subcommand_from set" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand sort-order; and __fish_seen_subcommand_from set" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand sort-order; and __fish_seen_subcommand_from set" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand sort-order; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand sort-order; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand sort-order; and __fish_seen_subcommand_from help" -f -a "set" -d 'Make a new default sort order: EXPR [asc|desc] [nulls first|last], e.g. "ts desc", "bucket(16, id)". No EXPR means unsorted'
complete -c floe -n "__fish_floe_using_subcommand sort-order; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c floe -n "__fish_floe_using_subcommand list" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand list" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand list" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand list" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand list" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand list" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand list" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand list" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand namespaces" -l create -d 'Create a namespace (e.g. db or a.b). Repeatable' -r
complete -c floe -n "__fish_floe_using_subcommand namespaces" -l drop -d 'Drop an empty namespace. Repeatable' -r
complete -c floe -n "__fish_floe_using_subcommand namespaces" -l property -d 'Property KEY=VALUE for the namespaces created. Repeatable' -r
complete -c floe -n "__fish_floe_using_subcommand namespaces" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand namespaces" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand namespaces" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand namespaces" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand namespaces" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand namespaces" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand namespaces" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand namespaces" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand namespaces" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand drop" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand drop" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand drop" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand drop" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand drop" -l purge -d 'Also delete the table\'s data and metadata files'
complete -c floe -n "__fish_floe_using_subcommand drop" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand drop" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand drop" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand drop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand drop" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand rename" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand rename" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand rename" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand rename" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand rename" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand rename" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand rename" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand rename" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand rename" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand register" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand register" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand register" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand register" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand register" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand register" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand register" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand register" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand register" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand query" -l snapshot -d 'Read this snapshot' -r
complete -c floe -n "__fish_floe_using_subcommand query" -l as-of -d 'Read the snapshot current on `main` at this time (RFC 3339 or epoch ms)' -r
complete -c floe -n "__fish_floe_using_subcommand query" -l ref -d 'Read a branch or tag' -r
complete -c floe -n "__fish_floe_using_subcommand query" -l select -d 'Columns or SQL expressions, comma-separated (default: all)' -r
complete -c floe -n "__fish_floe_using_subcommand query" -l where -d 'SQL predicate, e.g. "region = \'eu\' AND ts >= \'2024-03-01\'"' -r
complete -c floe -n "__fish_floe_using_subcommand query" -l order-by -d 'SQL ORDER BY list, e.g. "ts DESC"' -r
complete -c floe -n "__fish_floe_using_subcommand query" -l limit -d 'At most this many rows' -r
complete -c floe -n "__fish_floe_using_subcommand query" -l out -d 'Write all rows to a file instead (.parquet, .csv or .json; local path or s3://)' -r
complete -c floe -n "__fish_floe_using_subcommand query" -l preview -d 'Rows shown by -o table' -r
complete -c floe -n "__fish_floe_using_subcommand query" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand query" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand query" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand query" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand query" -l explain -d 'Do not read: show the predicate pushed into the scan and how many files it will open'
complete -c floe -n "__fish_floe_using_subcommand query" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand query" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand query" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand query" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand query" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand sql" -l out -d 'Write all rows to a file instead (.parquet, .csv or .json; local path or s3://)' -r
complete -c floe -n "__fish_floe_using_subcommand sql" -l preview -d 'Rows shown by -o table' -r
complete -c floe -n "__fish_floe_using_subcommand sql" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand sql" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand sql" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand sql" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand sql" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand sql" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand sql" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand sql" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand sql" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand compact" -l strategy -d 'binpack combines files; sort also orders rows by the sort order; zorder clusters rows on several columns at once (--zorder-by)' -r -f -a "binpack\t'Combine files up to the target size, rows in their existing order'
sort\t'Also sort each group by the table\'s sort order (or --sort-by)'
zorder\t'Also cluster each group\'s rows on several columns at once (--zorder-by), by a Z-order key, so min/max pruning works for a filter on any of them'"
complete -c floe -n "__fish_floe_using_subcommand compact" -l sort-by -d 'With --strategy sort: sort by these instead of the table\'s sort order ("a, b desc", or repeated)' -r
complete -c floe -n "__fish_floe_using_subcommand compact" -l zorder-by -d 'With --strategy zorder: the two or more top-level columns to cluster on ("a,b", or repeated), so a filter on any of them skips files. The table\'s sort order is unchanged' -r
complete -c floe -n "__fish_floe_using_subcommand compact" -l target-file-size -d 'Size of the files to write (on-disk bytes; "256MiB")' -r
complete -c floe -n "__fish_floe_using_subcommand compact" -l min-file-size -d 'Files below this size are rewritten (default 0.75 x target)' -r
complete -c floe -n "__fish_floe_using_subcommand compact" -l max-file-size -d 'Files above this size are split (default 1.8 x target)' -r
complete -c floe -n "__fish_floe_using_subcommand compact" -l max-file-group-size -d 'Largest input of one group (default 100GiB)' -r
complete -c floe -n "__fish_floe_using_subcommand compact" -l min-input-files -d 'Fewest candidate files that make a partition worth rewriting' -r
complete -c floe -n "__fish_floe_using_subcommand compact" -l where -d 'Only partitions (and files, by their column bounds) that may match this SQL predicate on partition source columns; every row of a file it picks is rewritten' -r
complete -c floe -n "__fish_floe_using_subcommand compact" -l max-commits -d 'Commit groups in up to N commits as they finish (partial progress)' -r
complete -c floe -n "__fish_floe_using_subcommand compact" -l max-bytes -d 'Start no new group once this many input bytes were taken on' -r
complete -c floe -n "__fish_floe_using_subcommand compact" -l max-runtime -d 'Start no new group after this many seconds' -r
complete -c floe -n "__fish_floe_using_subcommand compact" -l max-concurrent-groups -d 'Rewrite at most N groups at once (default: one per core; Spark\'s max-concurrent-file-group-rewrites)' -r
complete -c floe -n "__fish_floe_using_subcommand compact" -l engine -d 'Who does the work: floe itself, or Spark running Iceberg\'s procedure (CALL <catalog>.system.…) with the same options; Spark\'s catalog is derived from floe\'s (directory → hadoop, sql → jdbc, rest → rest, glue → glue)' -r -f -a "floe\t'floe does the work in this process'
spark\t'Spark runs the matching Iceberg procedure (CALL <catalog>.system.…)'"
complete -c floe -n "__fish_floe_using_subcommand compact" -l spark-submit -d 'With --engine spark: the launcher, one shell-quoted command line such as \'spark-sql --master k8s://… --conf …\' (default: engine.spark.submit in the config file, else spark-sql on PATH). floe adds the catalog\'s --conf settings and -e "CALL …"' -r
complete -c floe -n "__fish_floe_using_subcommand compact" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand compact" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand compact" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand compact" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand compact" -l rewrite-all -d 'Rewrite every file, whatever its size'
complete -c floe -n "__fish_floe_using_subcommand compact" -l dry-run -d 'Show the plan (groups, files, bytes, expected output files) without writing'
complete -c floe -n "__fish_floe_using_subcommand compact" -l allow-unsafe-spark-commits -d 'Let Spark commit through its hadoop catalog although the warehouse is on object storage (S3, GCS, Azure), where Spark\'s check-then-rename commit can overwrite a concurrent floe commit. Without it that combination is refused'
complete -c floe -n "__fish_floe_using_subcommand compact" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand compact" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand compact" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand compact" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand compact" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand rewrite-manifests" -l engine -d 'Who does the work: floe itself, or Spark running Iceberg\'s procedure (CALL <catalog>.system.…) with the same options; Spark\'s catalog is derived from floe\'s (directory → hadoop, sql → jdbc, rest → rest, glue → glue)' -r -f -a "floe\t'floe does the work in this process'
spark\t'Spark runs the matching Iceberg procedure (CALL <catalog>.system.…)'"
complete -c floe -n "__fish_floe_using_subcommand rewrite-manifests" -l spark-submit -d 'With --engine spark: the launcher, one shell-quoted command line such as \'spark-sql --master k8s://… --conf …\' (default: engine.spark.submit in the config file, else spark-sql on PATH). floe adds the catalog\'s --conf settings and -e "CALL …"' -r
complete -c floe -n "__fish_floe_using_subcommand rewrite-manifests" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand rewrite-manifests" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand rewrite-manifests" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand rewrite-manifests" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand rewrite-manifests" -l allow-unsafe-spark-commits -d 'Let Spark commit through its hadoop catalog although the warehouse is on object storage (S3, GCS, Azure), where Spark\'s check-then-rename commit can overwrite a concurrent floe commit. Without it that combination is refused'
complete -c floe -n "__fish_floe_using_subcommand rewrite-manifests" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand rewrite-manifests" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand rewrite-manifests" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand rewrite-manifests" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand rewrite-manifests" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand rewrite-position-deletes" -l where -d 'Only partitions matching this SQL predicate on partition source columns' -r
complete -c floe -n "__fish_floe_using_subcommand rewrite-position-deletes" -l min-input-files -d 'Fewest position delete files that make a partition worth merging' -r
complete -c floe -n "__fish_floe_using_subcommand rewrite-position-deletes" -l target-file-size -d 'Largest merged file with partition granularity (on-disk bytes; "64MiB"; default the table\'s write.delete.target-file-size-bytes, else 64MiB)' -r
complete -c floe -n "__fish_floe_using_subcommand rewrite-position-deletes" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand rewrite-position-deletes" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand rewrite-position-deletes" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand rewrite-position-deletes" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand rewrite-position-deletes" -l dry-run -d 'Show what would be merged and dropped without writing'
complete -c floe -n "__fish_floe_using_subcommand rewrite-position-deletes" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand rewrite-position-deletes" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand rewrite-position-deletes" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand rewrite-position-deletes" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand rewrite-position-deletes" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand expire" -l older-than -d 'Expire snapshots older than this age (7d, 12h) or time (RFC 3339, epoch ms)' -r
complete -c floe -n "__fish_floe_using_subcommand expire" -l retain-last -d 'Snapshots each branch keeps, however old' -r
complete -c floe -n "__fish_floe_using_subcommand expire" -l snapshot -d 'Expire this snapshot (repeatable)' -r
complete -c floe -n "__fish_floe_using_subcommand expire" -l engine -d 'Who does the work: floe itself, or Spark running Iceberg\'s procedure (CALL <catalog>.system.…) with the same options; Spark\'s catalog is derived from floe\'s (directory → hadoop, sql → jdbc, rest → rest, glue → glue)' -r -f -a "floe\t'floe does the work in this process'
spark\t'Spark runs the matching Iceberg procedure (CALL <catalog>.system.…)'"
complete -c floe -n "__fish_floe_using_subcommand expire" -l spark-submit -d 'With --engine spark: the launcher, one shell-quoted command line such as \'spark-sql --master k8s://… --conf …\' (default: engine.spark.submit in the config file, else spark-sql on PATH). floe adds the catalog\'s --conf settings and -e "CALL …"' -r
complete -c floe -n "__fish_floe_using_subcommand expire" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand expire" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand expire" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand expire" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand expire" -l dry-run -d 'Show what would go without changing anything'
complete -c floe -n "__fish_floe_using_subcommand expire" -l keep-files -d 'Commit the expiry but delete no file'
complete -c floe -n "__fish_floe_using_subcommand expire" -l metadata -d 'Also delete metadata files that fell out of the metadata log (write.metadata.previous-versions-max)'
complete -c floe -n "__fish_floe_using_subcommand expire" -l ignore-flink-checkpoints -d 'Expire Flink\'s checkpoint snapshots too. By default each branch keeps its newest snapshot of every Flink job (summary `flink.job-id` and `flink.max-committed-checkpoint-id`) and the snapshots above it, which Flink\'s sink walks to find its last committed checkpoint on restart'
complete -c floe -n "__fish_floe_using_subcommand expire" -l allow-unsafe-spark-commits -d 'Let Spark commit through its hadoop catalog although the warehouse is on object storage (S3, GCS, Azure), where Spark\'s check-then-rename commit can overwrite a concurrent floe commit. Without it that combination is refused'
complete -c floe -n "__fish_floe_using_subcommand expire" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand expire" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand expire" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand expire" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand expire" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -l older-than -d 'Only files older than this age (3d, 36h)' -r
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -l engine -d 'Who does the work: floe itself, or Spark running Iceberg\'s procedure (CALL <catalog>.system.…) with the same options; Spark\'s catalog is derived from floe\'s (directory → hadoop, sql → jdbc, rest → rest, glue → glue)' -r -f -a "floe\t'floe does the work in this process'
spark\t'Spark runs the matching Iceberg procedure (CALL <catalog>.system.…)'"
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -l spark-submit -d 'With --engine spark: the launcher, one shell-quoted command line such as \'spark-sql --master k8s://… --conf …\' (default: engine.spark.submit in the config file, else spark-sql on PATH). floe adds the catalog\'s --conf settings and -e "CALL …"' -r
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -l force -d 'Allow --older-than under 24 hours (files of writes in flight may be deleted)'
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -l dry-run -d 'List the orphans and their bytes without deleting'
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -l allow-unsafe-spark-commits -d 'Let Spark commit through its hadoop catalog although the warehouse is on object storage (S3, GCS, Azure), where Spark\'s check-then-rename commit can overwrite a concurrent floe commit. Without it that combination is refused'
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand remove-orphans" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand rollback" -l to-snapshot -d 'The snapshot main points at afterwards' -r
complete -c floe -n "__fish_floe_using_subcommand rollback" -l to-time -d 'The snapshot of main current at this time (RFC 3339 or epoch ms)' -r
complete -c floe -n "__fish_floe_using_subcommand rollback" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand rollback" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand rollback" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand rollback" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand rollback" -l force -d 'Allow a snapshot that is not an ancestor of main\'s current one'
complete -c floe -n "__fish_floe_using_subcommand rollback" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand rollback" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand rollback" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand rollback" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand rollback" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand tag; and not __fish_seen_subcommand_from create drop list help" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand tag; and not __fish_seen_subcommand_from create drop list help" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand tag; and not __fish_seen_subcommand_from create drop list help" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand tag; and not __fish_seen_subcommand_from create drop list help" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand tag; and not __fish_seen_subcommand_from create drop list help" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand tag; and not __fish_seen_subcommand_from create drop list help" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand tag; and not __fish_seen_subcommand_from create drop list help" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand tag; and not __fish_seen_subcommand_from create drop list help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand tag; and not __fish_seen_subcommand_from create drop list help" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand tag; and not __fish_seen_subcommand_from create drop list help" -f -a "create" -d 'Tag a snapshot (the current one by default)'
complete -c floe -n "__fish_floe_using_subcommand tag; and not __fish_seen_subcommand_from create drop list help" -f -a "drop" -d 'Drop a tag (its snapshot stays until expired)'
complete -c floe -n "__fish_floe_using_subcommand tag; and not __fish_seen_subcommand_from create drop list help" -f -a "list" -d 'List the table\'s tags'
complete -c floe -n "__fish_floe_using_subcommand tag; and not __fish_seen_subcommand_from create drop list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from create" -l snapshot -r
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from create" -l max-ref-age -d 'Expiry drops the tag once it is older than this (7d, 12h)' -r
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from create" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from create" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from create" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from create" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from create" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from create" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from drop" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from drop" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from drop" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from drop" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from drop" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from drop" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from drop" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from drop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from drop" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from list" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from list" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from list" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from list" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from list" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from help" -f -a "create" -d 'Tag a snapshot (the current one by default)'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from help" -f -a "drop" -d 'Drop a tag (its snapshot stays until expired)'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the table\'s tags'
complete -c floe -n "__fish_floe_using_subcommand tag; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c floe -n "__fish_floe_using_subcommand branch; and not __fish_seen_subcommand_from create drop list fast-forward help" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand branch; and not __fish_seen_subcommand_from create drop list fast-forward help" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand branch; and not __fish_seen_subcommand_from create drop list fast-forward help" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand branch; and not __fish_seen_subcommand_from create drop list fast-forward help" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand branch; and not __fish_seen_subcommand_from create drop list fast-forward help" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand branch; and not __fish_seen_subcommand_from create drop list fast-forward help" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand branch; and not __fish_seen_subcommand_from create drop list fast-forward help" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand branch; and not __fish_seen_subcommand_from create drop list fast-forward help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand branch; and not __fish_seen_subcommand_from create drop list fast-forward help" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand branch; and not __fish_seen_subcommand_from create drop list fast-forward help" -f -a "create" -d 'Branch from a snapshot (the current one by default)'
complete -c floe -n "__fish_floe_using_subcommand branch; and not __fish_seen_subcommand_from create drop list fast-forward help" -f -a "drop" -d 'Drop a branch (main cannot be dropped)'
complete -c floe -n "__fish_floe_using_subcommand branch; and not __fish_seen_subcommand_from create drop list fast-forward help" -f -a "list" -d 'List the table\'s branches'
complete -c floe -n "__fish_floe_using_subcommand branch; and not __fish_seen_subcommand_from create drop list fast-forward help" -f -a "fast-forward" -d 'Move NAME forward to the head of --to (NAME\'s head must be its ancestor)'
complete -c floe -n "__fish_floe_using_subcommand branch; and not __fish_seen_subcommand_from create drop list fast-forward help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from create" -l snapshot -r
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from create" -l min-snapshots-to-keep -d 'Snapshots expiry keeps on this branch, however old' -r
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from create" -l max-snapshot-age -d 'Expiry keeps this branch\'s snapshots younger than this (7d)' -r
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from create" -l max-ref-age -d 'Expiry drops the branch once its head is older than this' -r
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from create" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from create" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from create" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from create" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from create" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from create" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from drop" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from drop" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from drop" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from drop" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from drop" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from drop" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from drop" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from drop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from drop" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from list" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from list" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from list" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from list" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from list" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from fast-forward" -l to -r
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from fast-forward" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from fast-forward" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from fast-forward" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from fast-forward" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from fast-forward" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from fast-forward" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from fast-forward" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from fast-forward" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from fast-forward" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from help" -f -a "create" -d 'Branch from a snapshot (the current one by default)'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from help" -f -a "drop" -d 'Drop a branch (main cannot be dropped)'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the table\'s branches'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from help" -f -a "fast-forward" -d 'Move NAME forward to the head of --to (NAME\'s head must be its ancestor)'
complete -c floe -n "__fish_floe_using_subcommand branch; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c floe -n "__fish_floe_using_subcommand verify" -l snapshot -d 'Check this snapshot instead of the current one' -r
complete -c floe -n "__fish_floe_using_subcommand verify" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand verify" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand verify" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand verify" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand verify" -l all-snapshots -d 'Check every snapshot the table keeps'
complete -c floe -n "__fish_floe_using_subcommand verify" -l deep -d 'Also read data file footers and compare row counts'
complete -c floe -n "__fish_floe_using_subcommand verify" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand verify" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand verify" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand verify" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand health" -l namespace -d 'With --all: only this namespace' -r
complete -c floe -n "__fish_floe_using_subcommand health" -l fail-on -d 'Exit 4 when a finding is at least this severe' -r -f -a "info\t''
warn\t''
error\t''"
complete -c floe -n "__fish_floe_using_subcommand health" -l metrics-file -d 'Also write each table\'s state as Prometheus metrics to this file (written whole, then renamed into place, for node_exporter\'s textfile collector)' -r -F
complete -c floe -n "__fish_floe_using_subcommand health" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand health" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand health" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand health" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand health" -l all -d 'Every table of the catalog'
complete -c floe -n "__fish_floe_using_subcommand health" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand health" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand health" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand health" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand health" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand report" -l html -d 'Write the report as a self-contained HTML page to this file (replaced if it exists)' -r -F
complete -c floe -n "__fish_floe_using_subcommand report" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand report" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand report" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand report" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand report" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand report" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand report" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand report" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand maintain" -l namespace -d 'With --all: only this namespace' -r
complete -c floe -n "__fish_floe_using_subcommand maintain" -l skip -d 'Leave out a step (repeatable)' -r -f -a "compact\t''
rewrite-position-deletes\t''
rewrite-manifests\t''
expire\t''
metadata\t''
orphans\t''"
complete -c floe -n "__fish_floe_using_subcommand maintain" -l report -d 'Also write the JSON run record to this file' -r -F
complete -c floe -n "__fish_floe_using_subcommand maintain" -l metrics-file -d 'Also write the run and each table\'s state after it as Prometheus metrics to this file (written whole, then renamed into place, for node_exporter\'s textfile collector; counters carry on from the file\'s previous contents)' -r -F
complete -c floe -n "__fish_floe_using_subcommand maintain" -l concurrency -d 'Tables worked on at once' -r
complete -c floe -n "__fish_floe_using_subcommand maintain" -l lease-seconds -d 'How long a run\'s lease on a table lasts' -r
complete -c floe -n "__fish_floe_using_subcommand maintain" -l spark-submit -d 'The Spark launcher for steps the tables\' `engine` setting gives to Spark, one shell-quoted command line (default: engine.spark.submit in the config file, else spark-sql on PATH)' -r
complete -c floe -n "__fish_floe_using_subcommand maintain" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand maintain" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand maintain" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand maintain" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand maintain" -l all -d 'Every table of the catalog'
complete -c floe -n "__fish_floe_using_subcommand maintain" -l dry-run -d 'Show what every step would do, changing nothing'
complete -c floe -n "__fish_floe_using_subcommand maintain" -l allow-unsafe-spark-commits -d 'Let steps given to Spark commit through its hadoop catalog although the warehouse is on object storage, where those commits are not atomic (refused otherwise)'
complete -c floe -n "__fish_floe_using_subcommand maintain" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand maintain" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand maintain" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand maintain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand maintain" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand policy; and not __fish_seen_subcommand_from show help" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand policy; and not __fish_seen_subcommand_from show help" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand policy; and not __fish_seen_subcommand_from show help" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand policy; and not __fish_seen_subcommand_from show help" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand policy; and not __fish_seen_subcommand_from show help" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand policy; and not __fish_seen_subcommand_from show help" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand policy; and not __fish_seen_subcommand_from show help" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand policy; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand policy; and not __fish_seen_subcommand_from show help" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand policy; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'The effective settings of one table'
complete -c floe -n "__fish_floe_using_subcommand policy; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c floe -n "__fish_floe_using_subcommand policy; and __fish_seen_subcommand_from show" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand policy; and __fish_seen_subcommand_from show" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand policy; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand policy; and __fish_seen_subcommand_from show" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand policy; and __fish_seen_subcommand_from show" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand policy; and __fish_seen_subcommand_from show" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand policy; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand policy; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand policy; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "show" -d 'The effective settings of one table'
complete -c floe -n "__fish_floe_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c floe -n "__fish_floe_using_subcommand completions" -l catalog -d 'Catalog to use (a name under `catalog:` in the config file)' -r
complete -c floe -n "__fish_floe_using_subcommand completions" -l config -d 'Config file (default: $FLOE_CONFIG, ./floe.yaml, ~/.config/floe/config.yaml, ~/.pyiceberg.yaml)' -r -F
complete -c floe -n "__fish_floe_using_subcommand completions" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c floe -n "__fish_floe_using_subcommand completions" -l log-format -d 'Logs on stderr: `human` (status lines and progress bars on a terminal) or `json` (one object per line: time, level, table, step, message, fields; for log shippers)' -r -f -a "human\t'Status lines and progress bars, only when stderr is a terminal'
json\t'One JSON object per line on stderr'"
complete -c floe -n "__fish_floe_using_subcommand completions" -s q -l quiet -d 'No status messages or progress'
complete -c floe -n "__fish_floe_using_subcommand completions" -l no-progress -d 'No progress bars'
complete -c floe -n "__fish_floe_using_subcommand completions" -s v -l verbose -d 'More detail in errors'
complete -c floe -n "__fish_floe_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c floe -n "__fish_floe_using_subcommand completions" -s V -l version -d 'Print version'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "create" -d 'Create a table from a schema file or a sample data file'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "ingest" -d 'Load Parquet, CSV (with header) or NDJSON files into a table as ONE atomic snapshot'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "delete" -d 'Delete the rows matching a SQL predicate (GDPR erasure, bad loads), as ONE snapshot'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "add-files" -d 'Register existing Parquet files as data files of a table in ONE append snapshot, without rewriting them (like Spark\'s add_files procedure and PyIceberg\'s add_files)'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "describe" -d 'Show everything about a table on one page'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "schema" -d 'Show the schema as a tree, or every schema with --history; `schema evolve` changes it'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "snapshots" -d 'List snapshots with their operation and summary'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "snapshot" -d 'Show one snapshot: summary and manifests'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "files" -d 'List the live files of the current (or a given) snapshot'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "diff" -d 'Show what changed between two versions of a table'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "history" -d 'Show the snapshot log: when each snapshot became current'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "refs" -d 'List the table\'s branches and tags with their retention settings'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "manifests" -d 'List the manifests of the current (or a given) snapshot with their file and row counts'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "partitions" -d 'Show record count, file count and size of each partition of a snapshot'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "properties" -d 'Show table properties; with --set/--unset, change them in one commit first'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "partition" -d 'Partition spec commands'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "sort-order" -d 'Sort order commands'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "list" -d 'List tables in a namespace, or in every namespace'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "namespaces" -d 'List namespaces (nested ones included); create or drop them first when asked'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "drop" -d 'Drop a table; --purge also deletes its files'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "rename" -d 'Rename a table (namespace.table to namespace.table; sql catalogs)'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "register" -d 'Register an existing table by its metadata file (sql catalogs)'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "query" -d 'Read a table, now or at any past version'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "sql" -d 'Run a SQL query (DataFusion) over tables of the selected catalog'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "compact" -d 'Rewrite small files into files near the target size, safely beside concurrent writers'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "rewrite-manifests" -d 'Merge small manifests, entries clustered by partition, into manifests near the target size'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "rewrite-position-deletes" -d 'Merge a merge-on-read table\'s small position delete files and drop dangling ones'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "expire" -d 'Drop old snapshots, then delete the files no remaining snapshot reaches'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "remove-orphans" -d 'Delete files under the table\'s location that nothing reaches'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "rollback" -d 'Point main back at an older snapshot (an ancestor of the current one unless --force)'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "tag" -d 'Create, drop or list tags: names for snapshots that expiry keeps'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "branch" -d 'Create, drop, list or fast-forward branches; `ingest --branch` writes to one'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "verify" -d 'Check that every file the chosen snapshots reach exists with its recorded size'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "health" -d 'Check tables for what maintenance they need; with --fail-on, exit 4 when they need it'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "report" -d 'Report on a table: summary, file sizes, partitions, snapshot timeline, schema history and health findings'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "maintain" -d 'Compact, rewrite position deletes, rewrite manifests, expire snapshots, trim metadata and remove orphans, per table'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "policy" -d 'Show the maintenance settings `maintain` uses for a table'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "completions" -d 'Print shell completions'
complete -c floe -n "__fish_floe_using_subcommand help; and not __fish_seen_subcommand_from create ingest delete add-files describe schema snapshots snapshot files diff history refs manifests partitions properties partition sort-order list namespaces drop rename register query sql compact rewrite-manifests rewrite-position-deletes expire remove-orphans rollback tag branch verify health report maintain policy completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c floe -n "__fish_floe_using_subcommand help; and __fish_seen_subcommand_from schema" -f -a "evolve" -d 'Change the schema in ONE atomic step; field ids are kept, new columns get new ids'
complete -c floe -n "__fish_floe_using_subcommand help; and __fish_seen_subcommand_from partition" -f -a "evolve" -d 'Make a new partition spec the default: files already written keep theirs, new writes use the new one, reads span both'
complete -c floe -n "__fish_floe_using_subcommand help; and __fish_seen_subcommand_from sort-order" -f -a "set" -d 'Make a new default sort order: EXPR [asc|desc] [nulls first|last], e.g. "ts desc", "bucket(16, id)". No EXPR means unsorted'
complete -c floe -n "__fish_floe_using_subcommand help; and __fish_seen_subcommand_from tag" -f -a "create" -d 'Tag a snapshot (the current one by default)'
complete -c floe -n "__fish_floe_using_subcommand help; and __fish_seen_subcommand_from tag" -f -a "drop" -d 'Drop a tag (its snapshot stays until expired)'
complete -c floe -n "__fish_floe_using_subcommand help; and __fish_seen_subcommand_from tag" -f -a "list" -d 'List the table\'s tags'
complete -c floe -n "__fish_floe_using_subcommand help; and __fish_seen_subcommand_from branch" -f -a "create" -d 'Branch from a snapshot (the current one by default)'
complete -c floe -n "__fish_floe_using_subcommand help; and __fish_seen_subcommand_from branch" -f -a "drop" -d 'Drop a branch (main cannot be dropped)'
complete -c floe -n "__fish_floe_using_subcommand help; and __fish_seen_subcommand_from branch" -f -a "list" -d 'List the table\'s branches'
complete -c floe -n "__fish_floe_using_subcommand help; and __fish_seen_subcommand_from branch" -f -a "fast-forward" -d 'Move NAME forward to the head of --to (NAME\'s head must be its ancestor)'
complete -c floe -n "__fish_floe_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "show" -d 'The effective settings of one table'
