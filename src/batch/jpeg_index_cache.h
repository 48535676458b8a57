// The entropy indexes (decode/jpeg/jpeg_index.h) of the JPEGs a context has cropped, so
// that the next crops of a file (the other glimpses of a batch, the next epoch) enter its
// entropy-coded data where they need it instead of Huffman-decoding every row above them.
// Held within a byte budget, the least recently used dropped first; keyed so that a
// changed file is never read with a stale index (a path with its size and modification
// time; bytes in memory by address, size and a hash of their first and last bytes), and
// every index is checked against the bytes it is used on besides.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "decode/jpeg/jpeg_index.h"

namespace parcrop {

class JpegIndexCache {
public:
    explicit JpegIndexCache(uint64_t budget_bytes) : budget_(budget_bytes) {}
    uint64_t budget() const { return budget_; }
    struct Lookup {
        bool seen = false;                              // the key was inserted before
        std::shared_ptr<const JpegEntropyIndex> index;  // null when only seen
    };
    // What is under `key`, made most recently used. Thread-safe.
    Lookup find(const std::string& key);
    // Keeps `index` under `key` (null: remember that the key was seen), dropping the
    // least recently used until the budget holds; an entry larger than the whole budget
    // is not kept. Thread-safe.
    void insert(const std::string& key, std::shared_ptr<const JpegEntropyIndex> index);
    uint64_t bytes() const;

private:
    using Entry = std::pair<std::string, std::shared_ptr<const JpegEntropyIndex>>;
    uint64_t budget_;
    mutable std::mutex mutex_;
    std::list<Entry> order_;  // most recently used first
    std::unordered_map<std::string, std::list<Entry>::iterator> where_;
    uint64_t bytes_ = 0;
};

// What an index costs in memory (an entry that only remembers a key: 0).
uint64_t jpeg_index_bytes(const JpegEntropyIndex* index);

// The key of bytes in memory: address, size, and a hash of up to 4 KiB at each end.
std::string memory_index_key(const uint8_t* data, size_t size);

// The key of a file: its path, size and modification time in nanoseconds.
std::string file_index_key(const char* path, uint64_t size, int64_t mtime_ns);

}  // namespace parcrop
