// Instance and prediction tables (party-agent/components/instances.h) written by one task and
// read by a downstream one through the TaskService.
#include "party-agent/components/instances.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/party-agent/task_service_fixture.h"

namespace fedflow::testing {
namespace {

using ::testing::HasSubstr;

class InstancesTest : public TaskServiceFixture {};

TEST(FormatDoubleTest, ShortestRoundTrip) {
  EXPECT_EQ("0.1", FormatDouble(0.1));
  EXPECT_EQ("1", FormatDouble(1.0));
  EXPECT_EQ("0", FormatDouble(-0.0));
  EXPECT_EQ("-3.25", FormatDouble(-3.25));
  EXPECT_EQ("nan", FormatDouble(std::nan("")));
  for (double v : {0.1 + 0.2, 1e-300, 123456789.123456789, -2.5e17, 1.0 / 3}) {
    EXPECT_EQ(v, std::strtod(FormatDouble(v).c_str(), nullptr)) << FormatDouble(v);
  }
}

TEST_F(InstancesTest, WrittenInstancesReadBackExactlyDownstream) {
  Instances inst;
  inst.id_column = "sid";
  inst.label_name = "label";
  inst.label_type = "int";
  inst.feature_names = {"a", "b", "c"};
  const std::vector<double> values = {0.1,  0.1 + 0.2, -1e-300, 7,     1.0 / 3, -0.5,
                                      1e17, 2.5,       0,       -3.25, 42,      1e-7};
  for (int r = 0; r < 4; ++r) {
    inst.ids.push_back("id" + std::to_string(10 - r));
    inst.labels.push_back(r % 2);
    for (int c = 0; c < 3; ++c) inst.features.push_back(values[r * 3 + c]);
  }
  {
    auto ctx = Context("data_transform_0", "DataTransform", ComponentIo("reader_0"));
    ASSERT_OK(WriteInstances(*ctx, "data", inst));
    End("data_transform_0");
  }
  auto ctx = Context("hetero_lr_0", "HeteroLR", ComponentIo("data_transform_0"));
  ASSERT_OK_AND_ASSIGN(Instances back, ReadInputInstances(*ctx, "data"));
  EXPECT_EQ(inst.id_column, back.id_column);
  EXPECT_EQ(inst.ids, back.ids);  // Row order kept.
  EXPECT_EQ(inst.label_name, back.label_name);
  EXPECT_EQ("int", back.label_type);
  EXPECT_EQ(inst.labels, back.labels);
  EXPECT_EQ(inst.feature_names, back.feature_names);
  EXPECT_EQ(inst.features, back.features);
  EXPECT_EQ(2, back.RowOf("id8"));
  EXPECT_EQ(-1, back.RowOf("nope"));
  EXPECT_EQ(-3.25, back.at(3, 0));
  End("hetero_lr_0");

  // The table as stored: header, first row.
  ASSERT_OK_AND_ASSIGN(store::TableMeta meta,
                       store_->LatestOutput({"job1", "data_transform_0", "guest", kGuest}, "data"));
  EXPECT_EQ((std::vector<std::string>{"sid", "label", "a", "b", "c"}), meta.header);
  EXPECT_EQ("label", meta.label_column.value_or(""));
  ASSERT_TRUE(meta.extra_json.has_value());
  EXPECT_THAT(*meta.extra_json, HasSubstr("\"fedflow_instances\":1"));
}

TEST_F(InstancesTest, InstancesWithoutLabel) {
  Instances inst;
  inst.feature_names = {"x"};
  inst.ids = {"1", "2"};
  inst.features = {1.5, -2};
  {
    auto ctx = Context("data_transform_0", "DataTransform", ComponentIo("reader_0"));
    ASSERT_OK(WriteInstances(*ctx, "data", inst));
    End("data_transform_0");
  }
  auto ctx = Context("intersection_0", "Intersection", ComponentIo("data_transform_0"));
  ASSERT_OK_AND_ASSIGN(Instances back, ReadInputInstances(*ctx, "data"));
  EXPECT_FALSE(back.label_name.has_value());
  EXPECT_TRUE(back.labels.empty());
  EXPECT_EQ(inst.features, back.features);
  End("intersection_0");
}

TEST_F(InstancesTest, ARawTableIsNotInstances) {
  ASSERT_OK(Upload("id,y,x0\n1,0,0.5\n", "experiment", "raw"));
  auto ctx = Context("hetero_lr_0", "HeteroLR", TableIo("raw"));
  auto read = ReadInputInstances(*ctx, "data");
  ASSERT_TRUE(read.status().IsInvalidArgument()) << read.status();
  EXPECT_THAT(read.status().message(), HasSubstr("DataIO/DataTransform"));
  EXPECT_THAT(read.status().message(), HasSubstr("input data.data[0]"));
  End("hetero_lr_0");
}

TEST_F(InstancesTest, PredictionsRoundTrip) {
  std::vector<PredictionRow> rows = {{"a", 1, 1, 0.75, "train"},
                                     {"b", 0, 0, 0.125, "train"},
                                     {"c", 1, 0, 0.3, "validate"}};
  {
    auto ctx = Context("hetero_lr_0", "HeteroLR", ComponentIo("intersection_0"));
    ASSERT_OK(WritePredictions(*ctx, "data", rows));
    End("hetero_lr_0");
  }
  auto ctx = Context("evaluation_0", "Evaluation", ComponentIo("hetero_lr_0"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InputTable> in, ctx->OpenInput("data"));
  ASSERT_OK_AND_ASSIGN(std::vector<PredictionRow> back, ReadPredictions(*ctx, in.get()));
  ASSERT_EQ(rows.size(), back.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].id, back[i].id);
    EXPECT_EQ(rows[i].label, back[i].label);
    EXPECT_EQ(rows[i].predict_result, back[i].predict_result);
    EXPECT_EQ(rows[i].predict_score, back[i].predict_score);
    EXPECT_EQ(rows[i].type, back[i].type);
  }
  in.reset();
  End("evaluation_0");
}

}  // namespace
}  // namespace fedflow::testing
