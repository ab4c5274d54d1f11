#include "cli/test_command.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/coordinator_client.h"
#include "common/json_util.h"
#include "common_constants.h"

namespace fedflow::cli {

void RegisterTestCommands(CLI::App* app, int* exit_code) {
  static ClusterAddress address;
  static int64_t guest = 0, host = 0;
  static double timeout_s = 300;
  static int64_t data_num = 1000;
  CLI::App* test = app->add_subcommand("test", "Test a running cluster");
  test->require_subcommand(1);
  CLI::App* toy = test->add_subcommand(
      "toy", "FATE's toy job: a secure sum between a guest and a host through federation");
  toy->add_option("-g,--guest-party-id", guest, "Guest party id")->required();
  toy->add_option("--host-party-id", host, "Host party id")->required();
  toy->add_option("--timeout", timeout_s, "Seconds to wait for the job (default 300)");
  toy->add_option("--data-num", data_num, "Values per party (default 1000)");
  toy->add_option("--zk", address.zk, "ZooKeeper connect string (default: $FEDFLOW_ZK)");
  toy->add_option("--coordinator", address.coordinator, "A coordinator's host:port");
  toy->callback([exit_code] {
    Json dsl{{"components", {{"secure_add_example_0", {{"module", "SecureAddExample"}}}}}};
    Json conf{{"dsl_version", 2},
              {"initiator", {{"role", "guest"}, {"party_id", guest}}},
              {"role", {{"guest", {guest}}, {"host", {host}}}},
              {"job_parameters", {{"common", {{"timeout", static_cast<int64_t>(timeout_s)}}}}},
              {"component_parameters",
               {{"common",
                 {{"secure_add_example_0",
                   {{"seed", 123}, {"partition", 4}, {"data_num", data_num}}}}}}}};
    CoordinatorClient client(address);
    thrift::TSubmitJobRequest req;
    req.protocol_version = thrift::g_common_constants.PROTOCOL_VERSION;
    req.dsl_json = DumpJson(dsl);
    req.conf_json = DumpJson(conf);
    thrift::TSubmitJobResponse resp;
    Status s = client.Invoke(&thrift::CoordinatorServiceClient::SubmitJob, req, &resp,
                             rpc::Idempotency::kNotIdempotent);
    if (!s.ok()) {
      std::fprintf(stderr, "error: toy test job refused: %s\n", s.ToString().c_str());
      *exit_code = 1;
      return;
    }
    std::printf("toy test job %s submitted (guest %lld, host %lld)\n", resp.job_id.c_str(),
                static_cast<long long>(guest), static_cast<long long>(host));
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
    while (true) {
      thrift::TQueryJobRequest q;
      q.protocol_version = req.protocol_version;
      q.job_id = resp.job_id;
      thrift::TQueryJobResponse qr;
      s = client.Invoke(&thrift::CoordinatorServiceClient::QueryJob, q, &qr,
                        rpc::Idempotency::kIdempotent);
      if (s.ok()) {
        const std::string& st = qr.job.status;
        if (st == "success") {
          std::printf(
              "toy test job %s is success (secure sum of 2 x %lld values checked by the "
              "guest)\n",
              resp.job_id.c_str(), static_cast<long long>(data_num));
          *exit_code = 0;
          return;
        }
        if (st == "failed" || st == "canceled" || st == "timeout") {
          std::printf("toy test job %s is %s: %s\n", resp.job_id.c_str(), st.c_str(),
                      qr.job.fail_reason.c_str());
          *exit_code = 1;
          return;
        }
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        std::printf("toy test job %s did not finish within %g s\n", resp.job_id.c_str(), timeout_s);
        *exit_code = 1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

}  // namespace fedflow::cli
