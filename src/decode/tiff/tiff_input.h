// Where a TIFF's bytes come from. Slides are gigabytes, so a TIFF is never read whole:
// its directories and the tiles a crop covers are read where they lie, from a file
// (pread) or from bytes in memory, by any number of threads at once.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "common/status.h"
#include "decode/decoder.h"

namespace parcrop {

class TiffInput {
public:
    virtual ~TiffInput() = default;
    virtual uint64_t size() const = 0;
    // Exactly `count` bytes at `offset`: PARCROP_E_TRUNCATED when they reach past the
    // end, an I/O status when the read fails. Safe to call from several threads.
    virtual Status read_exact(uint64_t offset, size_t count, uint8_t* out) const = 0;
};

class MemoryTiffInput final : public TiffInput {
public:
    explicit MemoryTiffInput(ByteSpan bytes) : bytes_(bytes) {}
    uint64_t size() const override { return bytes_.size; }
    Status read_exact(uint64_t offset, size_t count, uint8_t* out) const override {
        if (offset > bytes_.size || count > bytes_.size - offset) {
            return Status(PARCROP_E_TRUNCATED, "tiff: " + std::to_string(count) + " bytes at offset " +
                                                   std::to_string(offset) + " reach past the end of the " +
                                                   std::to_string(bytes_.size) + "-byte input");
        }
        if (count > 0) std::memcpy(out, bytes_.data + offset, count);
        return Status::ok();
    }

private:
    ByteSpan bytes_;
};

}  // namespace parcrop
