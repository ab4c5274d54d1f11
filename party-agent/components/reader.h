#pragma once

#include <string>

#include "common/json_util.h"
#include "common/status.h"
#include "party-agent/components/component.h"

namespace fedflow {

// FATE's Reader (guest and host): copies a table uploaded to this party into the component's
// output data (the first output data name of the DSL, "data" by default), keeping its schema
// (header, id and label column, delimiter), so that downstream components read it as the
// job's data. Parameter (required):
//   table: {"name": ..., "namespace": ...}   a table of this party (fedflow data upload)
// Like FATE it records the table's data info as metric meta reader_namespace/reader_name
// (type data_info: table name, namespace, count, partitions, storage engine and up to five
// sample values per column) and saves the same as its summary. A table missing on this party
// fails the task naming the table and the party. One instance runs one task.
class Reader : public Component {
 public:
  struct Params {
    std::string ns;
    std::string name;
  };
  static Result<Params> ParseParams(const Json& component_parameters);

  Status Run(TaskContext& ctx) override;
};

}  // namespace fedflow
