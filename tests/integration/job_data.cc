#include "tests/integration/job_data.h"

#include <gtest/gtest.h>

#include "AgentService.h"
#include "common/rpc/client_pool.h"
#include "common/rpc/thrift_status.h"
#include "tests/harness/test_util.h"

namespace fedflow::testing {

Status UploadTable(MiniCluster* cluster, int64_t party, const std::string& name,
                   const std::string& csv, const std::string& ns) {
  rpc::ClientPool<thrift::AgentServiceClient> pool;
  const std::string agent = cluster->AgentEndpoint(party, 0);
  thrift::TUploadBeginRequest begin;
  begin.protocol_version = rpc::ProtocolVersion();
  begin.table_namespace = ns;
  begin.name = name;
  begin.head = true;
  begin.delimiter = ",";
  begin.drop = true;
  begin.partitions = 4;
  thrift::TUploadBeginResponse began;
  RETURN_NOT_OK(pool.Call(
      agent, [&](thrift::AgentServiceClient& c) { c.UploadBegin(began, begin); },
      rpc::Idempotency::kNotIdempotent));
  RETURN_NOT_OK(rpc::FromThrift(began.status));
  thrift::TUploadChunkRequest chunk;
  chunk.protocol_version = begin.protocol_version;
  chunk.upload_id = began.upload_id;
  chunk.seq = 0;
  chunk.data = csv;
  thrift::TUploadChunkResponse chunked;
  RETURN_NOT_OK(pool.Call(
      agent, [&](thrift::AgentServiceClient& c) { c.UploadChunk(chunked, chunk); },
      rpc::Idempotency::kIdempotent));
  RETURN_NOT_OK(rpc::FromThrift(chunked.status));
  thrift::TUploadFinishRequest finish;
  finish.protocol_version = begin.protocol_version;
  finish.upload_id = began.upload_id;
  thrift::TUploadFinishResponse finished;
  RETURN_NOT_OK(pool.Call(
      agent, [&](thrift::AgentServiceClient& c) { c.UploadFinish(finished, finish); },
      rpc::Idempotency::kIdempotent));
  return rpc::FromThrift(finished.status);
}

Result<thrift::TJobInfo> RunJob(MiniCluster* cluster, const Json& dsl, const Json& conf,
                                std::chrono::seconds timeout) {
  ASSIGN_OR_RETURN(std::string id, cluster->Submit(DumpJson(dsl), DumpJson(conf)));
  return cluster->WaitForEnd(id, timeout);
}

void WithAgentStore(MiniCluster* cluster, int64_t party,
                    const std::function<void(store::AgentStore*)>& check) {
  ASSERT_OK(cluster->StopAgent(party, 0));
  {
    const std::string path = cluster->dir() + "/agent-" + std::to_string(party) + "-0/agent.db";
    auto opened = store::AgentStore::Open(path);
    ASSERT_OK(opened);
    check(opened->get());
  }
  ASSERT_OK(cluster->RestartAgent(party, 0));
}

std::string TestDataCsv(const std::string& name) {
  return ReadFileOrDie(FedflowTest::TestDataDir() + "/" + name + ".csv");
}

}  // namespace fedflow::testing
