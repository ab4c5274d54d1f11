// Unit tests of the federation mailbox and the federation object format.
#include <thread>

#include "party-agent/components/fed_object.h"
#include "party-agent/federation/mailbox.h"
#include "tests/harness/test_util.h"

namespace fedflow {
namespace {

using std::chrono::milliseconds;

MessageKey Key(int64_t seq = 0) {
  MessageKey k;
  k.job_id = "j1";
  k.component = "c";
  k.tag = "t";
  k.src_role = "guest";
  k.src_party_id = 9999;
  k.dst_role = "host";
  k.dst_party_id = 10000;
  k.seq = seq;
  return k;
}

TEST(MailboxTest, ChunksAssembleAndRedeliveryIsIdempotent) {
  Mailbox box(1 << 20);
  ASSERT_OK(box.Put(Key(), 1, 2, 6, "def"));
  ASSERT_OK(box.Put(Key(), 1, 2, 6, "def"));  // a retried chunk is stored once
  EXPECT_EQ(3, box.bytes());
  ASSERT_OK(box.Put(Key(), 0, 2, 6, "abc"));
  int32_t chunks = 0;
  int64_t total = 0;
  ASSERT_OK(box.Wait(Key(), milliseconds(10), &chunks, &total));
  EXPECT_EQ(2, chunks);
  EXPECT_EQ(6, total);
  auto c0 = box.Take(Key(), 0, milliseconds(10));
  auto c1 = box.Take(Key(), 1, milliseconds(10));
  ASSERT_OK(c0);
  ASSERT_OK(c1);
  EXPECT_EQ("abcdef", *c0 + *c1);
  EXPECT_EQ(0u, box.messages());  // taking the last chunk frees the message
  EXPECT_EQ(0, box.bytes());
  EXPECT_TRUE(box.Put(Key(1), 0, 2, 6, "abc").ok());
  EXPECT_TRUE(box.Put(Key(1), 1, 3, 6, "def").IsInvalidArgument());  // contradicts chunk 0
}

TEST(MailboxTest, ChunkSizesMustMatchTheDeclaredChunkSize) {
  Mailbox box(1 << 20);
  // 10 bytes in chunks of 4: 4, 4, 2.
  ASSERT_OK(box.Put(Key(), 2, 3, 10, "ij", 4));
  Status wrong = box.Put(Key(), 0, 3, 10, "abc", 4);
  EXPECT_TRUE(wrong.IsInvalidArgument()) << wrong;
  EXPECT_NE(std::string::npos, wrong.message().find("chunk 0 has 3 bytes, expected 4")) << wrong;
  EXPECT_TRUE(box.Put(Key(), 0, 3, 10, "abcd", 8).IsInvalidArgument());  // another chunk size
  ASSERT_OK(box.Put(Key(), 0, 3, 10, "abcd", 4));
  int32_t chunks = 0;
  int64_t total = 0, chunk_bytes = 0;
  ASSERT_OK(box.Wait(Key(), milliseconds(10), &chunks, &total, &chunk_bytes));
  EXPECT_EQ(3, chunks);
  EXPECT_EQ(4, chunk_bytes);
  // Chunk counts that cannot hold the total with that chunk size.
  EXPECT_TRUE(box.Put(Key(1), 0, 2, 10, "abcd", 4).IsInvalidArgument());
  EXPECT_TRUE(box.Put(Key(2), 0, 4, 10, "abcd", 4).IsInvalidArgument());
}

TEST(MailboxTest, MemoryIsBounded) {
  Mailbox box(10);
  ASSERT_OK(box.Put(Key(0), 0, 1, 8, "12345678"));
  Status full = box.Put(Key(1), 0, 1, 8, "12345678");
  EXPECT_TRUE(full.IsUnavailable()) << full;
  EXPECT_NE(std::string::npos, full.message().find("mailbox full"));
  ASSERT_OK(box.Take(Key(0), 0, milliseconds(10)));
  ASSERT_OK(box.Put(Key(1), 0, 1, 8, "12345678"));  // room again
}

TEST(MailboxTest, WaitTimesOutNamingTagAndParty) {
  Mailbox box(1 << 20);
  int32_t chunks;
  int64_t total;
  Status s = box.Wait(Key(), milliseconds(20), &chunks, &total);
  ASSERT_TRUE(s.IsTimedOut()) << s;
  EXPECT_NE(std::string::npos, s.message().find("tag \"t\"")) << s;
  EXPECT_NE(std::string::npos, s.message().find("guest 9999")) << s;
}

TEST(MailboxTest, ClosingTheTaskWakesItsWaiterAndRefusesChunks) {
  Mailbox box(1 << 20);
  Status waited;
  std::thread waiter([&] {
    int32_t chunks;
    int64_t total;
    waited = box.Wait(Key(), milliseconds(30000), &chunks, &total);
  });
  ASSERT_OK(box.Put(MessageKey{Key(5)}, 0, 1, 1, "x"));
  box.CloseTask(Key().DestinationTask(), "peer failed");
  waiter.join();
  EXPECT_TRUE(waited.IsAborted()) << waited;
  EXPECT_NE(std::string::npos, waited.message().find("peer failed"));
  EXPECT_EQ(0u, box.messages());
  EXPECT_TRUE(box.Put(Key(), 0, 1, 1, "x").IsAborted());
}

// FATE's layout puts the host and the arbiter on one party, so both tasks of a component run
// on one agent and share its mailbox. When the arbiter ends, the host's messages and the host's
// pending receives must be untouched.
TEST(MailboxTest, ClosingOneRoleOfAPartyKeepsTheOtherRolesMessagesAndWaiters) {
  Mailbox box(1 << 20);
  auto to = [](const std::string& role, const std::string& tag) {
    MessageKey k = Key();
    k.dst_role = role;
    k.tag = tag;
    return k;
  };
  const MessageKey host_ready = to("host", "ready");      // here before the close
  const MessageKey host_waited = to("host", "waited");    // waited for across the close
  const MessageKey host_partial = to("host", "partial");  // chunk 1 arrives after the close
  const MessageKey arbiter_msg = to("arbiter", "a");
  const MessageKey arbiter_waited = to("arbiter", "w");
  ASSERT_EQ(host_ready.dst_party_id, arbiter_msg.dst_party_id);

  ASSERT_OK(box.Put(host_ready, 0, 1, 5, "hello"));
  ASSERT_OK(box.Put(host_partial, 0, 2, 4, "ab"));
  ASSERT_OK(box.Take(host_partial, 0, milliseconds(10)));
  ASSERT_OK(box.Put(arbiter_msg, 0, 1, 3, "arb"));
  EXPECT_EQ(5 + 3, box.bytes());

  Status host_wait;
  Result<std::string> host_take = Status::Internal("not run");
  Status arbiter_wait;
  std::thread host_waiter([&] {
    int32_t chunks;
    int64_t total;
    host_wait = box.Wait(host_waited, milliseconds(30000), &chunks, &total);
  });
  std::thread host_taker([&] { host_take = box.Take(host_partial, 1, milliseconds(30000)); });
  std::thread arbiter_waiter([&] {
    int32_t chunks;
    int64_t total;
    arbiter_wait = box.Wait(arbiter_waited, milliseconds(30000), &chunks, &total);
  });

  box.CloseTask(arbiter_msg.DestinationTask(), "task arbiter ended success");
  arbiter_waiter.join();
  EXPECT_TRUE(arbiter_wait.IsAborted()) << arbiter_wait;
  EXPECT_NE(std::string::npos, arbiter_wait.message().find("arbiter ended")) << arbiter_wait;
  EXPECT_TRUE(box.Put(arbiter_msg, 0, 1, 3, "arb").IsAborted());  // the ended task's: refused
  EXPECT_EQ(5, box.bytes());  // the arbiter's message is freed, the host's kept
  EXPECT_EQ(2u, box.messages());

  // The host's pending receives continue and complete when their chunks arrive.
  EXPECT_OK(box.Put(host_waited, 0, 1, 1, "w"));
  EXPECT_OK(box.Put(host_partial, 1, 2, 4, "cd"));
  host_waiter.join();
  host_taker.join();
  ASSERT_OK(host_wait);
  ASSERT_OK(host_take);
  EXPECT_EQ("cd", *host_take);
  auto ready = box.Take(host_ready, 0, milliseconds(10));
  ASSERT_OK(ready);
  EXPECT_EQ("hello", *ready);
  ASSERT_OK(box.Take(host_waited, 0, milliseconds(10)));
  EXPECT_EQ(0u, box.messages());
  EXPECT_EQ(0, box.bytes());

  // Closing the host too refuses its later chunks.
  box.CloseTask(host_ready.DestinationTask(), "task host ended success");
  EXPECT_TRUE(box.Put(to("host", "late"), 0, 1, 1, "x").IsAborted());
}

TEST(FedObjectTest, RoundTripsEveryType) {
  std::vector<FedObject> objs = {
      FedObject::Tensor({1.5, -2.25, 3, 4, 5, 6}, {2, 3}),
      FedObject::BigInts({std::string("\x01\x02\x03", 3), std::string(256, '\xff')}),
      FedObject::String(std::string("with\0nul", 8)),
      FedObject::Table({{"a", "1"}, {"", ""}, {"k", std::string(1000, 'v')}}),
  };
  for (const FedObject& o : objs) {
    auto back = DeserializeFedObject(SerializeFedObject(o));
    ASSERT_OK(back);
    EXPECT_EQ(o.type, back->type);
    EXPECT_EQ(o.shape, back->shape);
    EXPECT_EQ(o.values, back->values);
    EXPECT_EQ(o.bigints, back->bigints);
    EXPECT_EQ(o.str, back->str);
    EXPECT_EQ(o.table, back->table);
  }
}

TEST(FedObjectTest, TruncatedOrGarbledBytesAreErrors) {
  std::string good = SerializeFedObject(FedObject::Table({{"key", "value"}, {"k2", "v2"}}));
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(DeserializeFedObject(good.substr(0, n)).ok()) << "prefix of " << n << " bytes";
  }
  EXPECT_FALSE(DeserializeFedObject(good + "x").ok());  // trailing bytes
  std::string bad_version = good;
  bad_version[3] = 9;
  auto v = DeserializeFedObject(bad_version);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(std::string::npos, v.status().message().find("version 9"));
  std::string bad_type = good;
  bad_type[4] = 42;
  EXPECT_FALSE(DeserializeFedObject(bad_type).ok());
  // A tensor whose value count disagrees with its shape.
  std::string t = SerializeFedObject(FedObject::Tensor({1, 2, 3, 4}, {2, 2}));
  t[5 + 4] = 3;  // first dimension 2 -> 3
  EXPECT_FALSE(DeserializeFedObject(t).ok());
}

}  // namespace
}  // namespace fedflow
