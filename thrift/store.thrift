// Values the party agent keeps in its LevelDB (party-agent/store, docs/STORAGE.md), written in
// the compact protocol. These structs are on disk: add optional fields with new ids, never
// renumber or change a field's type. Rows are not Thrift: a row's value is the row's bytes.
namespace cpp fedflow.store.thrift

// The task output a table belongs to (absent for uploaded tables).
struct TOutputRef {
  1: string job_id,
  2: string component,
  3: string role,
  4: i64 party_id,
  5: i32 task_version,
  6: string data_name,
}

// Value of table/<ns>/<name> and of out/...: the table's visible generation and schema.
struct TTableMeta {
  1: string table_namespace,
  2: string name,
  // Column names in file order (empty when uploaded with head=false).
  3: list<string> header,
  // FATE's rule: the first column is the id.
  4: string id_column,
  5: optional string label_column,
  6: string delimiter,
  7: i64 count,
  8: i32 partitions,
  9: i64 create_time_ms,
  // rows/<generation>/... hold the rows.
  10: i64 generation,
  // "upload" or "output of <job>/<component>/<role>/<party>/<version>".
  11: string source,
  12: bool head,
  // The header line's bytes as uploaded (without BOM and line terminator).
  13: binary header_line,
  // "\n" or "\r\n".
  14: string line_ending,
  // Whether the file's last line ended with line_ending.
  15: bool final_newline,
  // Sum of the rows' bytes (without line terminators).
  16: i64 data_bytes,
  // Fields per row.
  17: i32 num_columns,
  18: optional TOutputRef output,
  // The file started with a UTF-8 byte order mark.
  19: bool utf8_bom,
  // Free-form schema extras (JSON object) a component may attach to its output.
  20: optional string extra_json,
}

struct TModelMeta {
  1: string module_name,
  2: string model_alias,
  3: string job_id,
  4: string component,
  5: string role,
  6: i64 party_id,
  7: i32 task_version,
  8: i64 create_time_ms,
  9: optional string model_id,
  10: optional string model_version,
  11: i64 size,
}

// Value of model/<job>/<component>/<role>/<party>/<alias>.
struct TModel {
  1: TModelMeta meta,
  2: binary data,
}

// Value of metric/.../<namespace>/<name>/meta. FATE's MetricMeta.
struct TMetricMeta {
  1: string name,
  2: string metric_namespace,
  3: string metric_type,
  // FATE's extra_metas, a JSON object.
  4: string extra_metas_json,
}

// A metric key or value: a number or a string (exactly one is set).
struct TScalar {
  1: optional double number,
  2: optional string text,
}

struct TMetricPoint {
  1: TScalar key,
  2: TScalar value,
  3: i64 timestamp_ms,
}

// Value of metric/.../<namespace>/<name>/points/<seq>: the points of one log call.
struct TMetricPoints {
  1: list<TMetricPoint> points,
}

// Value of summary/<job>/<component>/<role>/<party>.
struct TSummary {
  1: string json,
  2: i32 task_version,
  3: i64 update_time_ms,
}

// Value of task/<job>/<component>/<role>/<party>/<version>: this party's record of a task.
struct TTaskRecord {
  1: string job_id,
  2: string component,
  3: string role,
  4: i64 party_id,
  5: i32 task_version,
  6: string module_name,
  // FATE's party_status strings.
  7: string party_status,
  8: i64 create_time_ms,
  9: i64 start_time_ms,
  10: i64 end_time_ms,
  11: i64 update_time_ms,
  12: string error,
  13: i32 run_pid,
  14: string agent_id,
  15: string parameters_json,
}
