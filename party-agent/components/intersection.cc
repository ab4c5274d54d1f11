#include "party-agent/components/intersection.h"

#include <glog/logging.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/crypto/big_int.h"
#include "common/crypto/secure_random.h"
#include "party-agent/components/fed_object.h"
#include "party-agent/components/federation_client.h"
#include "party-agent/components/parameter_reader.h"

namespace fedflow {

namespace {

constexpr char kModule[] = "Intersection";
// The other party may still be running its upstream components: wait long for its messages.
constexpr std::chrono::milliseconds kTimeout{30 * 60 * 1000};

using crypto::BigInt;

// Reads nested parameter object `key` (e.g. rsa_params) with `read`, strict about its keys.
Status ReadNested(ParameterReader* reader, const std::string& key,
                  const std::function<Status(ParameterReader*)>& read) {
  const Json* obj = nullptr;
  RETURN_NOT_OK(reader->ReadJson(key, &obj));
  if (obj == nullptr || obj->is_null()) return Status::OK();
  if (!obj->is_object()) {
    return Status::InvalidArgument(std::string(kModule) + ": parameter \"" + key +
                                   "\": expected an object, got " + JsonTypeName(*obj));
  }
  ParameterReader nested(std::string(kModule) + ": " + key, *obj);
  const Json* param_class = nullptr;  // FATE's serialised parameter objects carry it
  RETURN_NOT_OK(nested.ReadJson("__param_class__", &param_class));
  RETURN_NOT_OK(read(&nested));
  return nested.CheckNoUnknown();
}

Status Unsupported(const std::string& key, const std::string& value, const std::string& hint) {
  return Status::InvalidArgument(std::string(kModule) + ": parameter \"" + key + "\": " + value +
                                 " is not supported" + (hint.empty() ? "" : " (" + hint + ")"));
}

std::string Base64(const unsigned char* data, size_t len) {
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]), data, static_cast<int>(len));
  out.resize(n);
  return out;
}

// id -> the row indexes' order: the rows of a table with their ids.
struct IdRows {
  std::vector<std::string> ids;
  std::vector<std::string> rows;
};

Result<IdRows> ReadIdRows(const TaskContext& ctx, InputTable* in) {
  IdRows out;
  const std::string delimiter = in->schema().delimiter.empty() ? "," : in->schema().delimiter;
  std::vector<std::string> batch;
  while (true) {
    if (ctx.should_stop()) return Status::Aborted("stopped while reading " + in->what());
    RETURN_NOT_OK(in->NextBatch(&batch));
    if (batch.empty()) break;
    for (std::string& row : batch) {
      size_t pos = row.find(delimiter);
      out.ids.push_back(pos == std::string::npos ? row : row.substr(0, pos));
      out.rows.push_back(std::move(row));
    }
  }
  RETURN_NOT_OK(in->Close());
  return out;
}

FedObject KeysObject(const std::vector<std::string>& keys) {
  std::vector<std::pair<std::string, std::string>> rows;
  rows.reserve(keys.size());
  for (const std::string& k : keys) rows.emplace_back(k, std::string());
  return FedObject::Table(std::move(rows));
}

Result<std::vector<std::string>> KeysOf(const FedObject& obj, const std::string& what) {
  if (obj.type != FedObject::Type::kTable) {
    return Status::InvalidArgument(std::string(kModule) + ": " + what + " is not a table");
  }
  std::vector<std::string> out;
  out.reserve(obj.table.size());
  for (const auto& [k, v] : obj.table) out.push_back(k);
  return out;
}

// Encodes every id; returns the encodings in row order and the map encoding -> row.
struct Encoded {
  std::vector<std::string> codes;
  std::unordered_map<std::string, size_t> row_of;
};

// ---- RSA (FATE's RsaIntersect, 1.x) ----

struct RsaKey {
  BigInt n, e, d;
  BigInt p, q, dp, dq, qinv;  // CRT
};

Result<BigInt> RandomPrime(size_t bits) {
  ASSIGN_OR_RETURN(BigInt c, crypto::SecureRandomBits(bits));
  mpz_setbit(c.get(), bits - 1);
  mpz_setbit(c.get(), bits - 2);
  BigInt p;
  mpz_nextprime(p.get(), c.get());
  return p;
}

Result<RsaKey> GenerateRsaKey(int64_t bits) {
  RsaKey k;
  mpz_set_ui(k.e.get(), 65537);
  BigInt phi, pm1, qm1, g;
  for (int attempt = 0; attempt < 100; ++attempt) {
    ASSIGN_OR_RETURN(k.p, RandomPrime(static_cast<size_t>(bits / 2)));
    ASSIGN_OR_RETURN(k.q, RandomPrime(static_cast<size_t>(bits - bits / 2)));
    if (k.p == k.q) continue;
    mpz_sub_ui(pm1.get(), k.p.get(), 1);
    mpz_sub_ui(qm1.get(), k.q.get(), 1);
    mpz_mul(phi.get(), pm1.get(), qm1.get());
    mpz_gcd(g.get(), k.e.get(), phi.get());
    if (mpz_cmp_ui(g.get(), 1) != 0) continue;
    mpz_mul(k.n.get(), k.p.get(), k.q.get());
    mpz_invert(k.d.get(), k.e.get(), phi.get());
    mpz_mod(k.dp.get(), k.d.get(), pm1.get());
    mpz_mod(k.dq.get(), k.d.get(), qm1.get());
    mpz_invert(k.qinv.get(), k.q.get(), k.p.get());
    return k;
  }
  return Status::Internal("Intersection: RSA key generation failed");
}

// x^d mod n by the CRT.
BigInt Sign(const RsaKey& k, const BigInt& x) {
  BigInt m1, m2, h, out;
  mpz_powm(m1.get(), x.get(), k.dp.get(), k.p.get());
  mpz_powm(m2.get(), x.get(), k.dq.get(), k.q.get());
  mpz_sub(h.get(), m1.get(), m2.get());
  mpz_mul(h.get(), h.get(), k.qinv.get());
  mpz_mod(h.get(), h.get(), k.p.get());
  mpz_mul(out.get(), h.get(), k.q.get());
  mpz_add(out.get(), out.get(), m2.get());
  return out;
}

// FATE: int(hash_method(id + salt), 16), reduced mod n.
Result<BigInt> HashToInt(const Intersection::Params& p, const std::string& id, const BigInt& n) {
  ASSIGN_OR_RETURN(std::string hex, Intersection::Hash(p.rsa_hash_method, id, p.rsa_salt));
  BigInt v;
  if (!BigInt::FromString(hex, 16, &v)) {
    // hash_method "none": the id's bytes as a number.
    v = BigInt::FromBigEndian(reinterpret_cast<const uint8_t*>(hex.data()), hex.size());
  }
  mpz_mod(v.get(), v.get(), n.get());
  return v;
}

Result<std::string> FinalHash(const Intersection::Params& p, const BigInt& signature) {
  return Intersection::Hash(p.rsa_final_hash_method, signature.ToString(10), "");
}

// Host side: key, public key and signed ids to the guest, signs the guest's blinded ids.
// Returns the encoding (final hash) of each of the host's rows.
Result<Encoded> RsaHost(const TaskContext& ctx, FederationClient* fed, const FedParty& guest,
                        const Intersection::Params& p, const std::vector<std::string>& ids) {
  auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(RsaKey key, GenerateRsaKey(p.key_length));
  LOG(INFO) << ctx.LogPrefix() << "Intersection: generated a " << p.key_length
            << "-bit RSA key in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count()
            << " ms";
  RETURN_NOT_OK(fed->Remote(FedObject::BigInts({key.n.ToBigEndian(), key.e.ToBigEndian()}),
                            "rsa_public_key", {guest}));
  Encoded enc;
  enc.codes.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if ((i & 1023) == 0 && ctx.should_stop()) return Status::Aborted("stopped while signing");
    ASSIGN_OR_RETURN(BigInt h, HashToInt(p, ids[i], key.n));
    ASSIGN_OR_RETURN(std::string code, FinalHash(p, Sign(key, h)));
    enc.row_of.emplace(code, i);
    enc.codes.push_back(std::move(code));
  }
  // Sorted, so that the order tells the guest nothing about the host's rows.
  std::vector<std::string> sorted = enc.codes;
  std::sort(sorted.begin(), sorted.end());
  RETURN_NOT_OK(fed->Remote(KeysObject(sorted), "rsa_host_ids", {guest}));
  ASSIGN_OR_RETURN(FedObject blinded, fed->Get("rsa_guest_blinded", guest, kTimeout));
  if (blinded.type != FedObject::Type::kBigInts) {
    return Status::InvalidArgument("Intersection: the guest's blinded ids are not numbers");
  }
  std::vector<std::string> signed_ids;
  signed_ids.reserve(blinded.bigints.size());
  for (size_t i = 0; i < blinded.bigints.size(); ++i) {
    if ((i & 1023) == 0 && ctx.should_stop()) return Status::Aborted("stopped while signing");
    const std::string& b = blinded.bigints[i];
    BigInt x = BigInt::FromBigEndian(reinterpret_cast<const uint8_t*>(b.data()), b.size());
    if (x.Compare(key.n) >= 0) {
      return Status::InvalidArgument("Intersection: a blinded id of the guest is not below n");
    }
    signed_ids.push_back(Sign(key, x).ToBigEndian());
  }
  RETURN_NOT_OK(fed->Remote(FedObject::BigInts(std::move(signed_ids)), "rsa_guest_signed",
                            {guest}));
  return enc;
}

// Guest side with one host: the rows of `ids` the host also has.
Result<std::vector<bool>> RsaGuestWith(const TaskContext& ctx, FederationClient* fed,
                                       const FedParty& host, const Intersection::Params& p,
                                       const std::vector<std::string>& ids,
                                       std::vector<std::string>* codes) {
  ASSIGN_OR_RETURN(FedObject pub, fed->Get("rsa_public_key", host, kTimeout));
  if (pub.type != FedObject::Type::kBigInts || pub.bigints.size() != 2) {
    return Status::InvalidArgument("Intersection: host " + std::to_string(host.party_id) +
                                   " sent a malformed RSA public key");
  }
  auto big = [](const std::string& b) {
    return BigInt::FromBigEndian(reinterpret_cast<const uint8_t*>(b.data()), b.size());
  };
  const BigInt n = big(pub.bigints[0]);
  const BigInt e = big(pub.bigints[1]);
  ASSIGN_OR_RETURN(FedObject host_ids_obj, fed->Get("rsa_host_ids", host, kTimeout));
  ASSIGN_OR_RETURN(std::vector<std::string> host_codes, KeysOf(host_ids_obj, "rsa_host_ids"));
  std::unordered_set<std::string> host_set(host_codes.begin(), host_codes.end());

  std::vector<std::string> blinded;
  std::vector<BigInt> r_inverse;
  blinded.reserve(ids.size());
  r_inverse.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if ((i & 1023) == 0 && ctx.should_stop()) return Status::Aborted("stopped while blinding");
    ASSIGN_OR_RETURN(BigInt h, HashToInt(p, ids[i], n));
    BigInt r, re, inv, x;
    do {
      ASSIGN_OR_RETURN(r, crypto::SecureRandomBits(static_cast<size_t>(p.random_bit)));
    } while (r.IsZero() || mpz_invert(inv.get(), r.get(), n.get()) == 0);
    mpz_powm(re.get(), r.get(), e.get(), n.get());
    mpz_mul(x.get(), h.get(), re.get());
    mpz_mod(x.get(), x.get(), n.get());
    blinded.push_back(x.ToBigEndian());
    r_inverse.push_back(std::move(inv));
  }
  RETURN_NOT_OK(fed->Remote(FedObject::BigInts(std::move(blinded)), "rsa_guest_blinded", {host}));
  ASSIGN_OR_RETURN(FedObject signed_obj, fed->Get("rsa_guest_signed", host, kTimeout));
  if (signed_obj.type != FedObject::Type::kBigInts || signed_obj.bigints.size() != ids.size()) {
    return Status::InvalidArgument("Intersection: host " + std::to_string(host.party_id) +
                                   " returned " + std::to_string(signed_obj.bigints.size()) +
                                   " signatures for " + std::to_string(ids.size()) + " ids");
  }
  std::vector<bool> common(ids.size(), false);
  codes->assign(ids.size(), std::string());
  for (size_t i = 0; i < ids.size(); ++i) {
    BigInt s = big(signed_obj.bigints[i]);
    mpz_mul(s.get(), s.get(), r_inverse[i].get());
    mpz_mod(s.get(), s.get(), n.get());
    ASSIGN_OR_RETURN((*codes)[i], FinalHash(p, s));
    common[i] = host_set.count((*codes)[i]) > 0;
  }
  return common;
}

// ---- raw ----

Result<Encoded> RawEncode(const Intersection::Params& p, const std::vector<std::string>& ids) {
  Encoded enc;
  enc.codes.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    std::string code = ids[i];
    if (p.raw_hash_method != "none" || !p.raw_salt.empty()) {
      ASSIGN_OR_RETURN(code, Intersection::Hash(p.raw_hash_method, ids[i], p.raw_salt,
                                                p.raw_base64));
    }
    enc.row_of.emplace(code, i);
    enc.codes.push_back(std::move(code));
  }
  return enc;
}

}  // namespace

Result<std::string> Intersection::Hash(const std::string& method, const std::string& id,
                                       const std::string& salt, bool base64) {
  const std::string input = id + salt;
  if (method == "none") return input;
  const EVP_MD* md = EVP_get_digestbyname(method.c_str());
  if (md == nullptr) {
    return Status::InvalidArgument(std::string(kModule) + ": hash method \"" + method +
                                   "\" is not supported (use none, md5, sha1, sha224, sha256, "
                                   "sha384, sha512 or sm3)");
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &len, md, nullptr) != 1) {
    return Status::Internal(std::string(kModule) + ": " + method + " failed");
  }
  if (base64) return Base64(digest, len);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

Result<Intersection::Params> Intersection::ParseParams(const Json& component_parameters) {
  Params p;
  ParameterReader reader(kModule, component_parameters);
  RETURN_NOT_OK(reader.ReadString("intersect_method", &p.method));
  RETURN_NOT_OK(reader.ReadInt("random_bit", &p.random_bit));
  bool sync_intersect_ids = true, only_output_key = false, with_encode = false;
  bool repeated_id_process = false, allow_info_share = false, with_sample_id = false;
  bool cardinality_only = false, sync_cardinality = false, run_cache = false;
  bool run_preprocess = false, new_sample_id = false;
  std::string join_role = "guest", join_method = "inner_join", ignored;
  RETURN_NOT_OK(reader.ReadBool("sync_intersect_ids", &sync_intersect_ids));
  RETURN_NOT_OK(reader.ReadBool("only_output_key", &p.only_output_key));
  (void)only_output_key;
  RETURN_NOT_OK(reader.ReadString("join_role", &join_role));
  RETURN_NOT_OK(reader.ReadString("join_method", &join_method));
  RETURN_NOT_OK(reader.ReadBool("with_encode", &with_encode));
  RETURN_NOT_OK(reader.ReadBool("repeated_id_process", &repeated_id_process));
  RETURN_NOT_OK(reader.ReadString("repeated_id_owner", &ignored));
  RETURN_NOT_OK(reader.ReadBool("allow_info_share", &allow_info_share));
  RETURN_NOT_OK(reader.ReadString("info_owner", &ignored));
  RETURN_NOT_OK(reader.ReadBool("with_sample_id", &with_sample_id));
  RETURN_NOT_OK(reader.ReadBool("new_sample_id", &new_sample_id));
  RETURN_NOT_OK(reader.ReadString("sample_id_generator", &ignored));
  RETURN_NOT_OK(reader.ReadBool("cardinality_only", &cardinality_only));
  RETURN_NOT_OK(reader.ReadString("cardinality_method", &ignored));
  RETURN_NOT_OK(reader.ReadBool("sync_cardinality", &sync_cardinality));
  RETURN_NOT_OK(reader.ReadBool("run_cache", &run_cache));
  RETURN_NOT_OK(reader.ReadBool("run_preprocess", &run_preprocess));
  const Json* unused = nullptr;
  for (const char* key : {"intersect_cache_param", "intersect_preprocess_params", "dh_params",
                          "ecdh_params"}) {
    RETURN_NOT_OK(reader.ReadJson(key, &unused));
  }
  std::string encode_method = "none", encode_salt;
  bool encode_base64 = false;
  RETURN_NOT_OK(ReadNested(&reader, "encode_params", [&](ParameterReader* r) {
    RETURN_NOT_OK(r->ReadString("encode_method", &encode_method));
    RETURN_NOT_OK(r->ReadString("salt", &encode_salt));
    return r->ReadBool("base64", &encode_base64);
  }));
  bool use_hash = false, raw_base64 = false;
  std::string raw_hash = "none", raw_salt, raw_join_role;
  RETURN_NOT_OK(ReadNested(&reader, "raw_params", [&](ParameterReader* r) {
    RETURN_NOT_OK(r->ReadBool("use_hash", &use_hash));
    RETURN_NOT_OK(r->ReadString("hash_method", &raw_hash));
    RETURN_NOT_OK(r->ReadString("salt", &raw_salt));
    RETURN_NOT_OK(r->ReadBool("base64", &raw_base64));
    return r->ReadString("join_role", &raw_join_role);
  }));
  bool split_calculation = false;
  RETURN_NOT_OK(ReadNested(&reader, "rsa_params", [&](ParameterReader* r) {
    RETURN_NOT_OK(r->ReadString("hash_method", &p.rsa_hash_method));
    RETURN_NOT_OK(r->ReadString("final_hash_method", &p.rsa_final_hash_method));
    RETURN_NOT_OK(r->ReadString("salt", &p.rsa_salt));
    RETURN_NOT_OK(r->ReadInt("key_length", &p.key_length));
    RETURN_NOT_OK(r->ReadInt("random_bit", &p.random_bit));
    RETURN_NOT_OK(r->ReadBool("split_calculation", &split_calculation));
    const Json* fraction = nullptr;
    return r->ReadJson("random_base_fraction", &fraction);
  }));
  RETURN_NOT_OK(reader.CheckNoUnknown());

  if (p.method != "raw" && p.method != "rsa") {
    return Unsupported("intersect_method", "\"" + p.method + "\"", "use raw or rsa");
  }
  if (!sync_intersect_ids) return Unsupported("sync_intersect_ids", "false", "");
  if (join_method != "inner_join") {
    return Unsupported("join_method", "\"" + join_method + "\"", "use inner_join");
  }
  if (repeated_id_process) return Unsupported("repeated_id_process", "true", "");
  if (allow_info_share) return Unsupported("allow_info_share", "true", "");
  if (with_sample_id) return Unsupported("with_sample_id", "true", "");
  if (new_sample_id) return Unsupported("new_sample_id", "true", "");
  if (cardinality_only) return Unsupported("cardinality_only", "true", "");
  if (run_cache) return Unsupported("run_cache", "true", "");
  if (run_preprocess) return Unsupported("run_preprocess", "true", "");
  p.join_role = raw_join_role.empty() ? join_role : raw_join_role;
  if (p.join_role != "guest" && p.join_role != "host") {
    return Unsupported("raw_params.join_role", "\"" + p.join_role + "\"", "use guest or host");
  }
  if (use_hash) {
    p.raw_hash_method = raw_hash;
    p.raw_salt = raw_salt;
    p.raw_base64 = raw_base64;
  } else if (with_encode) {
    p.raw_hash_method = encode_method;
    p.raw_salt = encode_salt;
    p.raw_base64 = encode_base64;
  }
  for (auto [key, method] : {std::make_pair("raw_params.hash_method", p.raw_hash_method),
                             std::make_pair("rsa_params.hash_method", p.rsa_hash_method),
                             std::make_pair("rsa_params.final_hash_method",
                                            p.rsa_final_hash_method)}) {
    Result<std::string> probe = Hash(method, "x", "");
    if (!probe.ok()) return Unsupported(key, "\"" + method + "\"", "use md5, sha1, sha256, ...");
  }
  if (p.key_length < 512 || p.key_length > 8192) {
    return Status::InvalidArgument(std::string(kModule) +
                                   ": parameter \"rsa_params.key_length\": must be in [512, "
                                   "8192], got " + std::to_string(p.key_length));
  }
  if (p.random_bit < 16 || p.random_bit > 4096) {
    return Status::InvalidArgument(std::string(kModule) +
                                   ": parameter \"random_bit\": must be in [16, 4096], got " +
                                   std::to_string(p.random_bit));
  }
  return p;
}

Status Intersection::Run(TaskContext& ctx) {
  ASSIGN_OR_RETURN(Params p, ParseParams(ctx.component_parameters()));
  const std::string& role = ctx.key().role;
  if (role != "guest" && role != "host") {
    return Status::InvalidArgument(std::string(kModule) + " runs on guest and host, not " + role);
  }
  std::string key;
  for (const auto& [k, entries] : ctx.DataInputs()) {
    if (entries > 0) {
      key = k;
      break;
    }
  }
  if (key.empty()) return Status::InvalidArgument("Intersection: the component has no data input");
  auto opened = ctx.OpenInput(key, 0);
  if (!opened.ok()) return opened.status().CloneAndPrepend(kModule);
  std::unique_ptr<InputTable> in = std::move(opened).value();
  const TableSchema in_schema = in->schema();
  const std::string what = in->what();
  ASSIGN_OR_RETURN(IdRows data, ReadIdRows(ctx, in.get()));
  in.reset();

  FederationClient fed(ctx);
  std::vector<bool> keep(data.ids.size(), false);
  if (role == "guest") {
    std::vector<FedParty> hosts = fed.Parties("host");
    if (hosts.empty()) return Status::InvalidArgument("Intersection: the job has no host");
    std::vector<bool> all(data.ids.size(), true);
    std::vector<std::vector<std::string>> codes(hosts.size());
    for (size_t h = 0; h < hosts.size(); ++h) {
      std::vector<bool> common;
      if (p.method == "rsa") {
        ASSIGN_OR_RETURN(common, RsaGuestWith(ctx, &fed, hosts[h], p, data.ids, &codes[h]));
      } else {
        ASSIGN_OR_RETURN(Encoded enc, RawEncode(p, data.ids));
        codes[h] = enc.codes;
        common.assign(data.ids.size(), false);
        if (p.join_role == "guest") {
          ASSIGN_OR_RETURN(FedObject obj, fed.Get("raw_host_ids", hosts[h], kTimeout));
          ASSIGN_OR_RETURN(std::vector<std::string> host_codes, KeysOf(obj, "raw_host_ids"));
          std::unordered_set<std::string> host_set(host_codes.begin(), host_codes.end());
          for (size_t i = 0; i < enc.codes.size(); ++i) common[i] = host_set.count(enc.codes[i]);
        } else {
          RETURN_NOT_OK(fed.Remote(KeysObject(enc.codes), "raw_guest_ids", {hosts[h]}));
          ASSIGN_OR_RETURN(FedObject obj, fed.Get("raw_host_intersection", hosts[h], kTimeout));
          ASSIGN_OR_RETURN(std::vector<std::string> found, KeysOf(obj, "raw_host_intersection"));
          for (const std::string& c : found) {
            auto it = enc.row_of.find(c);
            if (it != enc.row_of.end()) common[it->second] = true;
          }
        }
      }
      for (size_t i = 0; i < all.size(); ++i) all[i] = all[i] && common[i];
    }
    keep = all;
    for (size_t h = 0; h < hosts.size(); ++h) {
      std::vector<std::string> mine;
      for (size_t i = 0; i < keep.size(); ++i) {
        if (keep[i]) mine.push_back(codes[h][i]);
      }
      std::sort(mine.begin(), mine.end());
      RETURN_NOT_OK(fed.Remote(KeysObject(mine), "intersect_ids", {hosts[h]}));
    }
  } else {
    std::vector<FedParty> guests = fed.Parties("guest");
    if (guests.size() != 1) {
      return Status::InvalidArgument("Intersection needs exactly one guest, the job has " +
                                     std::to_string(guests.size()));
    }
    const FedParty& guest = guests[0];
    Encoded enc;
    if (p.method == "rsa") {
      ASSIGN_OR_RETURN(enc, RsaHost(ctx, &fed, guest, p, data.ids));
    } else {
      ASSIGN_OR_RETURN(enc, RawEncode(p, data.ids));
      if (p.join_role == "guest") {
        RETURN_NOT_OK(fed.Remote(KeysObject(enc.codes), "raw_host_ids", {guest}));
      } else {
        ASSIGN_OR_RETURN(FedObject obj, fed.Get("raw_guest_ids", guest, kTimeout));
        ASSIGN_OR_RETURN(std::vector<std::string> guest_codes, KeysOf(obj, "raw_guest_ids"));
        std::vector<std::string> found;
        for (const std::string& c : guest_codes) {
          if (enc.row_of.count(c)) found.push_back(c);
        }
        RETURN_NOT_OK(fed.Remote(KeysObject(found), "raw_host_intersection", {guest}));
      }
    }
    ASSIGN_OR_RETURN(FedObject obj, fed.Get("intersect_ids", guest, kTimeout));
    ASSIGN_OR_RETURN(std::vector<std::string> found, KeysOf(obj, "intersect_ids"));
    for (const std::string& c : found) {
      auto it = enc.row_of.find(c);
      if (it == enc.row_of.end()) {
        return Status::InvalidArgument(
            "Intersection: the guest sent an intersection id this host does not have");
      }
      keep[it->second] = true;
    }
  }

  // The rows of the intersection, in this party's order.
  TableSchema schema = OutputSchemaOf(in_schema);
  if (p.only_output_key) {
    schema.header = {in_schema.header.empty() ? std::string("id") : in_schema.header[0]};
    schema.header_line = schema.header[0];
    schema.label_column.reset();
    schema.num_columns = 1;
    schema.extra_json.reset();
  }
  const std::vector<std::string> outputs = ctx.OutputDataNames();
  const std::string data_name = outputs.empty() ? "data" : outputs.front();
  ASSIGN_OR_RETURN(std::unique_ptr<OutputTable> out, ctx.storage().CreateOutput(data_name, schema));
  int64_t count = 0;
  for (size_t i = 0; i < keep.size(); ++i) {
    if (!keep[i]) continue;
    RETURN_NOT_OK(out->Add(p.only_output_key ? data.ids[i] : std::move(data.rows[i])));
    ++count;
  }
  ASSIGN_OR_RETURN(int64_t committed, out->Commit());
  if (committed != count) {
    return Status::IOError("Intersection: output " + data_name + " has " +
                           std::to_string(committed) + " rows, expected " + std::to_string(count));
  }
  const double rate =
      data.ids.empty() ? 0.0 : static_cast<double>(count) / static_cast<double>(data.ids.size());
  LOG(INFO) << ctx.LogPrefix() << "Intersection (" << p.method << "): intersect count " << count
            << " of " << data.ids.size() << " rows of " << what << ", intersect rate " << rate;
  TaskStorageClient& storage = ctx.storage();
  RETURN_NOT_OK_PREPEND(storage.LogMetric("train", "intersection",
                                          {{std::string("intersect_count"),
                                            static_cast<double>(count)},
                                           {std::string("intersect_rate"), rate}}),
                        kModule);
  RETURN_NOT_OK_PREPEND(storage.SetMetricMeta("train", "intersection", "INTERSECTION",
                                              Json{{"intersect_method", p.method},
                                                   {"join_role", p.join_role}}),
                        kModule);
  RETURN_NOT_OK_PREPEND(storage.SaveSummary(Json{{"intersect_num", count},
                                                 {"intersect_rate", rate},
                                                 {"input_count", data.ids.size()},
                                                 {"intersect_method", p.method}}),
                        kModule);
  return Status::OK();
}

}  // namespace fedflow
