// Reads an item's encoded bytes: a whole file into a buffer that a worker reuses from
// item to item, or parts of it at offsets, with the file-level failures told apart
// (missing, a directory, unreadable, empty, over the size limit).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/status.h"
#include "decode/decoder.h"
#include "decode/tiff/tiff_input.h"

namespace parcrop {

Status read_file(const char* path, uint64_t max_file_size, std::vector<uint8_t>* buffer,
                 ByteSpan* bytes);

// A file read only where asked (pread), for callers that need a few of its bytes, such
// as probing a header, and for TIFFs, which are read tile by tile from any thread:
// open() makes the same checks with the same statuses as read_file.
class RandomAccessFile final : public TiffInput {
public:
    RandomAccessFile() = default;
    ~RandomAccessFile() override;
    RandomAccessFile(const RandomAccessFile&) = delete;
    RandomAccessFile& operator=(const RandomAccessFile&) = delete;

    Status open(const char* path, uint64_t max_file_size);
    // Its size and modification time (ns since the epoch) when opened.
    uint64_t size() const override { return size_; }
    int64_t mtime_ns() const { return mtime_ns_; }
    // Up to `count` bytes at `offset`; *got < count only at the end of the file.
    Status read_at(uint64_t offset, size_t count, uint8_t* out, size_t* got) const;
    Status read_exact(uint64_t offset, size_t count, uint8_t* out) const override;
    // Every byte read_at has returned, for tests that bound what a probe reads.
    uint64_t bytes_read() const { return bytes_read_; }

private:
    int fd_ = -1;
    uint64_t size_ = 0;
    int64_t mtime_ns_ = 0;
    mutable std::atomic<uint64_t> bytes_read_{0};
};

// An item's file: a TIFF is left open in *tiff for reads by parts, whatever its size
// (tiled formats have limits of their own); any other file is read whole into
// `buffer`, as read_file does, within max_file_size. *mtime_ns gets its modification time.
Status open_item_file(const char* path, uint64_t max_file_size, std::vector<uint8_t>* buffer, ByteSpan* bytes,
                      std::unique_ptr<RandomAccessFile>* tiff, int64_t* mtime_ns);

}  // namespace parcrop
