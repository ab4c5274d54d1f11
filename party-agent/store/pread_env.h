#pragma once

namespace leveldb {
class Env;
}

namespace fedflow::store {

// LevelDB's default Env with one change: table files are read with pread(2) instead of being
// mmap'ed. LevelDB 1.23 maps up to 1,000 table files, so streaming a 1 GB table made the
// agent's resident set grow by 1 GB of mapped file pages; with pread the data stays in the
// kernel's page cache (shared, reclaimable) and the agent's memory stays bounded by its block
// cache and memtables whatever the tables' sizes. Callers bound open files with
// leveldb::Options::max_open_files. A process-wide singleton, never destroyed. Thread-safe.
leveldb::Env* PreadEnv();

}  // namespace fedflow::store
