// Writes a FATE-like CSV for the storage benchmarks: `id,y,x0..x<N-1>`, unique ids in shuffled
// order, a 0/1 label and N features with six decimals in [-3, 3]. The content depends only on
// the flags (a fixed-seed generator), so two runs with the same flags write the same bytes.
//
//   csv_gen --out=/tmp/data.csv [--mb=1024] [--features=25] [--seed=42]
//
// Prints "rows=<data rows> bytes=<file bytes>" on stdout. Numbers are formatted by hand
// (printf's %f would make generating a large file take longer than uploading it).

#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <gflags/gflags.h>

DEFINE_string(out, "", "path of the CSV to write");
DEFINE_int64(mb, 1024, "size of the CSV in MiB (the last row may end past it)");
DEFINE_int32(features, 25, "number of feature columns x0..x<N-1>");
DEFINE_uint64(seed, 42, "seed of the values");

namespace {

// splitmix64: fast, and the same sequence on every platform.
uint64_t Next(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Appends `v` in decimal.
char* PutUint(char* p, uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *p++ = tmp[--n];
  return p;
}

// Appends a value in [-3, 3] with six decimals ("-1.234567").
char* PutFeature(char* p, uint64_t random) {
  const int64_t micros = static_cast<int64_t>(random % 6000001) - 3000000;
  uint64_t m = static_cast<uint64_t>(micros < 0 ? -micros : micros);
  if (micros < 0) *p++ = '-';
  *p++ = static_cast<char>('0' + m / 1000000);
  *p++ = '.';
  m %= 1000000;
  for (uint64_t div = 100000; div > 0; div /= 10) {
    *p++ = static_cast<char>('0' + (m / div) % 10);
  }
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage("csv_gen --out=PATH [--mb=1024] [--features=25] [--seed=42]");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  if (FLAGS_out.empty() || FLAGS_mb <= 0 || FLAGS_features <= 0 || FLAGS_features > 10000) {
    std::fprintf(stderr, "csv_gen: --out is required; --mb and --features must be positive\n");
    return 2;
  }
  FILE* f = std::fopen(FLAGS_out.c_str(), "wb");
  if (f == nullptr) {
    std::perror(FLAGS_out.c_str());
    return 1;
  }
  std::string header = "id,y";
  for (int c = 0; c < FLAGS_features; c++) header += ",x" + std::to_string(c);
  header += '\n';
  std::vector<char> buf(4 << 20);
  size_t used = 0;
  const size_t max_line = 32 + static_cast<size_t>(FLAGS_features) * 12;
  auto flush = [&] {
    if (std::fwrite(buf.data(), 1, used, f) != used) {
      std::perror(FLAGS_out.c_str());
      std::exit(1);
    }
    used = 0;
  };
  std::copy(header.begin(), header.end(), buf.begin());
  used = header.size();
  const uint64_t target = static_cast<uint64_t>(FLAGS_mb) << 20;
  uint64_t written = 0;
  uint64_t state = FLAGS_seed;
  int64_t rows = 0;
  while (written + used < target) {
    if (buf.size() - used < max_line) {
      written += used;
      flush();
      continue;
    }
    char* p = buf.data() + used;
    // A bijection of the row number (odd multiplier mod 2^40) gives unique, unordered ids.
    p = PutUint(p, (static_cast<uint64_t>(rows) * 0x9E3779B97F4BULL) & ((1ULL << 40) - 1));
    *p++ = ',';
    *p++ = static_cast<char>('0' + (Next(&state) & 1));
    for (int c = 0; c < FLAGS_features; c++) {
      *p++ = ',';
      p = PutFeature(p, Next(&state));
    }
    *p++ = '\n';
    used = static_cast<size_t>(p - buf.data());
    rows++;
  }
  written += used;
  flush();
  if (std::fflush(f) != 0 || fsync(fileno(f)) != 0 || std::fclose(f) != 0) {
    std::perror(FLAGS_out.c_str());
    return 1;
  }
  std::printf("rows=%" PRId64 " bytes=%" PRIu64 "\n", rows, written);
  return 0;
}
