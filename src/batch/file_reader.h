// Reads an item's encoded bytes: a whole file into a buffer that a worker reuses from
// item to item, or parts of it at offsets, with the file-level failures told apart
// (missing, a directory, unreadable, empty, over the size limit).
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "decode/decoder.h"

namespace parcrop {

Status read_file(const char* path, uint64_t max_file_size, std::vector<uint8_t>* buffer,
                 ByteSpan* bytes);

// A file read only where asked (pread), for callers that need a few of its bytes, such
// as probing a header: open() makes the same checks with the same statuses as read_file.
class RandomAccessFile {
public:
    RandomAccessFile() = default;
    ~RandomAccessFile();
    RandomAccessFile(const RandomAccessFile&) = delete;
    RandomAccessFile& operator=(const RandomAccessFile&) = delete;

    Status open(const char* path, uint64_t max_file_size);
    // Its size when opened.
    uint64_t size() const { return size_; }
    // Up to `count` bytes at `offset`; *got < count only at the end of the file.
    Status read_at(uint64_t offset, size_t count, uint8_t* out, size_t* got);
    // Every byte read_at has returned, for tests that bound what a probe reads.
    uint64_t bytes_read() const { return bytes_read_; }

private:
    int fd_ = -1;
    uint64_t size_ = 0;
    uint64_t bytes_read_ = 0;
};

}  // namespace parcrop
