#include "common/json_util.h"

#include "tests/harness/test_util.h"

namespace fedflow {
namespace {

class JsonUtilTest : public testing::FedflowTest {};

TEST_F(JsonUtilTest, ParseErrorNamesSourceLineAndColumn) {
  auto r = ParseJson("{\n  \"a\": 1,\n  \"b\": tru\n}", "conf.json");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(std::string::npos, r.status().message().find("conf.json: invalid JSON at line 3"))
      << r.status().message();
}

TEST_F(JsonUtilTest, TruncatedDocumentIsAnError) {
  auto r = ParseJson("{\"components\": {\"a\": ", "dsl.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string::npos, r.status().message().find("dsl.json")) << r.status().message();
}

TEST_F(JsonUtilTest, ReadJsonFileMissingAndPresent) {
  auto missing = ReadJsonFile(test_dir() + "/nope.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(std::string::npos, missing.status().message().find("nope.json"));

  testing::WriteFileOrDie(test_dir() + "/x.json", R"({"z": 1, "a": [true]})");
  auto r = ReadJsonFile(test_dir() + "/x.json");
  ASSERT_OK(r);
  // Key order is kept.
  EXPECT_EQ(R"({"z":1,"a":[true]})", DumpJson(*r));
}

TEST_F(JsonUtilTest, TypedAccessorsNameThePath) {
  auto j = ParseJson(R"({"job": {"timeout": "ten", "n": 3, "on": true, "s": "x", "l": []}})", "t");
  ASSERT_OK(j);
  const Json& job = (*j)["job"];
  auto t = GetInt(job, "timeout", "job_parameters");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ("job_parameters.timeout: expected an integer, got string", t.status().message());
  auto missing = GetString(job, "nope", "job_parameters");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ("job_parameters.nope: missing", missing.status().message());
  EXPECT_EQ(3, *GetInt(job, "n", "p"));
  EXPECT_TRUE(*GetBool(job, "on", "p"));
  EXPECT_EQ("x", *GetString(job, "s", "p"));
  ASSERT_OK(GetArray(job, "l", "p"));
  EXPECT_FALSE(GetObject(job, "l", "p").ok());
}

TEST_F(JsonUtilTest, FindFormsReportPresence) {
  auto j = ParseJson(R"({"a": 5, "b": "x"})", "t");
  ASSERT_OK(j);
  int64_t v = 0;
  bool found = true;
  ASSERT_OK(FindInt(*j, "missing", "", &v, &found));
  EXPECT_FALSE(found);
  ASSERT_OK(FindInt(*j, "a", "", &v, &found));
  EXPECT_TRUE(found);
  EXPECT_EQ(5, v);
  EXPECT_FALSE(FindInt(*j, "b", "", &v, &found).ok());
}

TEST_F(JsonUtilTest, PathJoinQuotesSpecialKeys) {
  EXPECT_EQ("a", JsonPathJoin("", "a"));
  EXPECT_EQ("a.b", JsonPathJoin("a", "b"));
  EXPECT_EQ("role.guest.\"0|1\"", JsonPathJoin("role.guest", "0|1"));
  EXPECT_EQ("x[2]", JsonPathIndex("x", 2));
}

TEST_F(JsonUtilTest, HugeUnsignedIsRejected) {
  auto j = ParseJson(R"({"a": 18446744073709551615})", "t");
  ASSERT_OK(j);
  EXPECT_FALSE(GetInt(*j, "a", "").ok());
}

}  // namespace
}  // namespace fedflow
