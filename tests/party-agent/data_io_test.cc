// DataIO / DataTransform: FATE's parameters, the dense transform (label by name, missing and
// outlier filling, errors naming row and column) and a run through the TaskService.
#include "party-agent/components/data_io.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "party-agent/components/registry.h"
#include "tests/party-agent/task_service_fixture.h"

namespace fedflow::testing {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> Header(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = line.find(',', start);
    out.push_back(line.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) return out;
    start = pos + 1;
  }
}

DataTransform::Params Parse(const Json& j) {
  auto p = DataTransform::ParseParams("DataTransform", j);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : DataTransform::Params();
}

TEST(DataTransformParamsTest, FateDefaultsAndNames) {
  DataTransform::Params p = Parse(Json::object());
  EXPECT_FALSE(p.with_label);
  EXPECT_EQ("y", p.label_name);
  EXPECT_EQ("int", p.label_type);
  EXPECT_EQ(",", p.delimiter);
  // Every FATE parameter with its default is accepted.
  Parse(Json{{"with_label", false}, {"label_name", "y"}, {"label_type", "int"},
             {"output_format", "dense"}, {"input_format", "dense"}, {"delimitor", ","},
             {"data_type", "float64"}, {"exclusive_data_type", nullptr}, {"tag_with_value", false},
             {"tag_value_delimitor", ":"}, {"missing_fill", false}, {"default_value", 0},
             {"missing_fill_method", nullptr}, {"missing_impute", nullptr},
             {"outlier_replace", false}, {"outlier_replace_method", nullptr},
             {"outlier_impute", nullptr}, {"outlier_replace_value", 0}, {"with_match_id", false},
             {"match_id_name", ""}, {"match_id_index", 0}, {"need_run", true}});
  EXPECT_EQ(";", Parse(Json{{"delimiter", ";"}}).delimiter);
  EXPECT_EQ("float", Parse(Json{{"label_type", "float"}}).label_type);
}

TEST(DataTransformParamsTest, UnknownAndUnsupportedValuesAreNamed) {
  struct Case {
    Json params;
    const char* message;
  };
  for (const Case& c :
       {Case{{{"with_lable", true}}, "unknown parameter \"with_lable\""},
        Case{{{"output_format", "sparse"}}, "\"output_format\": \"sparse\" is not supported"},
        Case{{{"input_format", "tag"}}, "\"input_format\": \"tag\" is not supported"},
        Case{{{"label_type", "str"}}, "\"label_type\": \"str\""},
        Case{{{"data_type", "str"}}, "\"data_type\""},
        Case{{{"missing_fill_method", "mode"}}, "\"missing_fill_method\": \"mode\""},
        Case{{{"with_match_id", true}}, "with_match_id"},
        Case{{{"exclusive_data_type", {{"x0", "str"}}}}, "exclusive_data_type"},
        Case{{{"with_label", "yes"}}, "\"with_label\""}}) {
    auto p = DataTransform::ParseParams("DataTransform", c.params);
    ASSERT_TRUE(p.status().IsInvalidArgument()) << c.params;
    EXPECT_THAT(p.status().message(), HasSubstr(c.message));
    EXPECT_THAT(p.status().message(), HasSubstr("DataTransform"));
  }
  // DataIO (FATE 1.6) has no match_id parameters.
  auto p = DataTransform::ParseParams("DataIO", Json{{"match_id_name", "x"}});
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("DataIO: unknown parameter \"match_id_name\""));
}

TEST(DataTransformTest, LabelByNameFeaturesInOrder) {
  DataTransform::Params p = Parse(Json{{"with_label", true}, {"label_name", "target"}});
  Json model;
  ASSERT_OK_AND_ASSIGN(
      Instances inst,
      DataTransform::Transform("DataTransform", p, Header("sid,a,target,b"),
                               {"u1,0.5,1,-2", "u2, 1e3 ,0,0.25"}, "table t", &model));
  EXPECT_EQ("sid", inst.id_column);
  EXPECT_EQ((std::vector<std::string>{"u1", "u2"}), inst.ids);
  EXPECT_EQ("target", inst.label_name.value_or(""));
  EXPECT_EQ((std::vector<double>{1, 0}), inst.labels);
  EXPECT_EQ((std::vector<std::string>{"a", "b"}), inst.feature_names);
  EXPECT_EQ((std::vector<double>{0.5, -2, 1000, 0.25}), inst.features);
  EXPECT_EQ((std::vector<std::string>{"a", "b"}), model["header"].get<std::vector<std::string>>());

  // Without with_label the label column is a feature, as in FATE.
  ASSERT_OK_AND_ASSIGN(Instances host,
                       DataTransform::Transform("DataTransform", Parse(Json::object()),
                                                Header("id,y,x"), {"1,1,2"}, "t", nullptr));
  EXPECT_FALSE(host.label_name.has_value());
  EXPECT_EQ((std::vector<std::string>{"y", "x"}), host.feature_names);
}

TEST(DataTransformTest, ErrorsNameTheRowAndColumn) {
  DataTransform::Params p = Parse(Json{{"with_label", true}});
  auto missing_label = DataTransform::Transform("DataIO", p, Header("id,x0,x1"), {"1,2,3"},
                                                "table experiment.t", nullptr);
  ASSERT_FALSE(missing_label.ok());
  EXPECT_THAT(missing_label.status().message(),
              HasSubstr("label column \"y\" (label_name) is not in the header of table "
                        "experiment.t (id,x0,x1)"));
  auto bad = DataTransform::Transform("DataIO", p, Header("id,y,x0,x1"), {"1,0,2,3", "7,1,abc,3"},
                                      "table experiment.t", nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr("row 2 (id \"7\") column \"x0\": \"abc\" is not a number"));
  auto empty = DataTransform::Transform("DataIO", p, Header("id,y,x0"), {"3,1,"}, "t", nullptr);
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("set missing_fill true"));
  auto short_row = DataTransform::Transform("DataIO", p, Header("id,y,x0"), {"3,1"}, "t", nullptr);
  ASSERT_FALSE(short_row.ok());
  EXPECT_THAT(short_row.status().message(), HasSubstr("has 2 fields, the header has 3"));
  auto label = DataTransform::Transform("DataIO", p, Header("id,y,x0"), {"3,0.5,1"}, "t", nullptr);
  ASSERT_FALSE(label.ok());
  EXPECT_THAT(label.status().message(), HasSubstr("is not an integer (label_type int)"));
}

TEST(DataTransformTest, MissingAndOutlierFill) {
  const std::vector<std::string> header = Header("id,a,b");
  const std::vector<std::string> rows = {"1,1,NA", "2,,4", "3,3,-999", "4,5,2"};
  // designated: default_value per column by name; the outlier -999 replaced by max.
  DataTransform::Params p =
      Parse(Json{{"missing_fill", true},
                 {"default_value", {{"a", 10}, {"b", 20}}},
                 {"outlier_replace", true},
                 {"outlier_impute", {-999}},
                 {"outlier_replace_method", "max"}});
  Json model;
  ASSERT_OK_AND_ASSIGN(Instances inst,
                       DataTransform::Transform("DataIO", p, header, rows, "t", &model));
  EXPECT_EQ((std::vector<double>{1, 20, 10, 4, 3, 4, 5, 2}), inst.features);
  EXPECT_EQ(1, model["missing_count"]["a"].get<int>());
  EXPECT_EQ(20, model["missing_replace_value"]["b"].get<double>());
  EXPECT_EQ(4, model["outlier_replace_value"]["b"].get<double>());

  // mean of the column's normal values; missing_impute given explicitly.
  p = Parse(Json{{"missing_fill", true},
                 {"missing_fill_method", "mean"},
                 {"missing_impute", {"", "NA", "-999"}}});
  ASSERT_OK_AND_ASSIGN(inst, DataTransform::Transform("DataIO", p, header, rows, "t", nullptr));
  EXPECT_EQ((std::vector<double>{1, 3, 3, 4, 3, 3, 5, 2}), inst.features);

  // One default value for every column.
  p = Parse(Json{{"missing_fill", true}, {"default_value", 0.5}});
  ASSERT_OK_AND_ASSIGN(inst, DataTransform::Transform("DataIO", p, header, {"1,,NA"}, "t",
                                                      nullptr));
  EXPECT_EQ((std::vector<double>{0.5, 0.5}), inst.features);
}

TEST(SeedComponentsTest, RegisteredInFedflowTask) {
  for (const char* module : {"DataIO", "DataTransform", "Intersection", "Evaluation"}) {
    EXPECT_TRUE(ComponentRegistry::BuiltIn().Contains(module)) << module;
    EXPECT_OK(ComponentRegistry::BuiltIn().Create(module).status());
  }
}

class DataTransformRunTest : public TaskServiceFixture {};

TEST_F(DataTransformRunTest, WritesInstancesAndModel) {
  ASSERT_OK(Upload("id,x0,y,x1\n5,0.5,1,1\n3,,0,2\n9,1.5,1,3\n", "experiment", "t"));
  auto ctx = Context("data_transform_0", "DataTransform", TableIo("t"),
                     Json{{"with_label", true}, {"missing_fill", true},
                          {"missing_fill_method", "min"}});
  DataTransform component("DataTransform");
  ASSERT_OK(component.Run(*ctx));
  End("data_transform_0");

  auto down = Context("intersection_0", "Intersection", ComponentIo("data_transform_0"));
  ASSERT_OK_AND_ASSIGN(Instances inst, ReadInputInstances(*down, "data"));
  EXPECT_EQ((std::vector<std::string>{"5", "3", "9"}), inst.ids);
  EXPECT_EQ((std::vector<double>{1, 0, 1}), inst.labels);
  EXPECT_EQ((std::vector<std::string>{"x0", "x1"}), inst.feature_names);
  EXPECT_EQ((std::vector<double>{0.5, 1, 0.5, 2, 1.5, 3}), inst.features);
  ASSERT_OK_AND_ASSIGN(TaskStorageClient::Model model,
                       down->storage().LoadModel("data_transform_0", "model"));
  EXPECT_EQ("DataTransform", model.module);
  EXPECT_THAT(model.data, HasSubstr("\"missing_replace_value\""));
  End("intersection_0");

  // A bad parameter fails the run naming it.
  auto bad = Context("data_transform_1", "DataTransform", TableIo("t"),
                     Json{{"output_format", "sparse"}});
  Status s = component.Run(*bad);
  EXPECT_TRUE(s.IsInvalidArgument()) << s;
  EXPECT_THAT(s.message(), HasSubstr("output_format"));
  End("data_transform_1");
}

}  // namespace
}  // namespace fedflow::testing
