#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "party-agent/components/component.h"

namespace fedflow {

// FATE's Intersection (guest and host; private set intersection of the parties' ids), with
// FATE's intersect_method:
//   raw: the ids (optionally hashed: raw_params.use_hash/hash_method/salt/base64, or FATE 1.6's
//        with_encode/encode_params) go from the sending party to the joining role
//        (raw_params.join_role, or top-level join_role; default guest), which intersects them.
//   rsa: RSA blind signatures (FATE 1.x rsa_params: hash_method, final_hash_method, salt,
//        key_length (default 1024), random_bit): each host makes an RSA key and sends its public
//        key and the final hashes of its signed hashed ids; the guest blinds its hashed ids
//        with random r^e, the host signs them, the guest unblinds, hashes and compares. The
//        guest learns only which of its own ids the host has.
// With several hosts the guest keeps the ids common to all of them. The guest then sends the
// intersection to every host (sync_intersect_ids), each in that host's own encoding. Each
// party writes the rows of its data input whose id is in the intersection, keeping its columns
// and row order (only_output_key: the id column only), logs metric train/intersection
// (intersect_count, intersect_rate) and saves the summary {"intersect_num", "intersect_rate"}.
// Other FATE methods and options (dh, ecdh, cache, preprocess, cardinality_only, left_join,
// repeated ids) are errors naming the parameter. One instance runs one task.
class Intersection : public Component {
 public:
  struct Params {
    std::string method = "rsa";
    // raw
    std::string join_role = "guest";
    std::string raw_hash_method = "none";  // "none": the ids as they are
    std::string raw_salt;
    bool raw_base64 = false;
    // rsa
    std::string rsa_hash_method = "sha256";
    std::string rsa_final_hash_method = "sha256";
    std::string rsa_salt;
    int64_t key_length = 1024;
    int64_t random_bit = 128;
    bool only_output_key = false;
  };
  static Result<Params> ParseParams(const Json& component_parameters);

  // hash_method applied to id + salt, as lower-case hex (or base64 of the digest); "none"
  // returns id + salt. InvalidArgument for an unknown method.
  static Result<std::string> Hash(const std::string& method, const std::string& id,
                                  const std::string& salt, bool base64 = false);

  Status Run(TaskContext& ctx) override;
};

}  // namespace fedflow
