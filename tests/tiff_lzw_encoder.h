// A TIFF LZW encoder for the tests and the fuzz seeds only: a reference written from the
// TIFF 6.0 specification (section 13) and libtiff's encoder's choices, not tuned for speed.
// It writes what libtiff writes: a leading ClearCode, MSB-first codes widening from 9 to
// 12 bits one code after the table reaches 511, 1023 and 2047 entries ("early change"), a
// ClearCode when the table reaches 4094 entries, and EndOfInformation at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace parcrop_test {

struct TiffLzwOptions {
    // libtiff clears when the table is full; false writes what some other encoders do:
    // the table stops growing at 4096 entries and the stream goes on without a clear.
    bool clear_when_full = true;
    // A ClearCode after every this many codes as well (0: never), as an encoder that
    // resets when compression falls off might.
    size_t clear_every = 0;
    bool end_code = true;  // false leaves out EndOfInformation
};

class TiffLzwBitWriter {
public:
    void put(uint32_t code, unsigned width) {
        bits_ = bits_ << width | code;
        count_ += width;
        while (count_ >= 8) {
            count_ -= 8;
            bytes_.push_back(static_cast<uint8_t>(bits_ >> count_));
        }
    }
    std::vector<uint8_t> finish() {
        if (count_ > 0) bytes_.push_back(static_cast<uint8_t>(bits_ << (8 - count_)));
        count_ = 0;
        return bytes_;
    }

private:
    std::vector<uint8_t> bytes_;
    uint64_t bits_ = 0;
    unsigned count_ = 0;
};

inline std::vector<uint8_t> tiff_lzw_encode(const uint8_t* data, size_t size, const TiffLzwOptions& options = {}) {
    constexpr uint32_t kClear = 256, kEnd = 257, kFirst = 258;
    // The string of code p followed by byte c is code child[p * 256 + c] (0: none yet).
    std::vector<uint16_t> child(size_t{4096} * 256, 0);
    std::vector<uint32_t> used;  // which child slots to reset at a clear
    TiffLzwBitWriter out;
    unsigned width = 9;
    uint32_t next = kFirst;
    size_t codes_since_clear = 0;

    auto reset = [&]() {
        for (const uint32_t slot : used) child[slot] = 0;
        used.clear();
        width = 9;
        next = kFirst;
        codes_since_clear = 0;
    };
    // After each code but the first since a clear, the decoder adds an entry: mirror it.
    auto after_code = [&](uint32_t prefix, int byte) {
        ++codes_since_clear;
        if (byte >= 0 && next < 4096) {
            const uint32_t slot = prefix * 256 + static_cast<uint32_t>(byte);
            child[slot] = static_cast<uint16_t>(next);
            used.push_back(slot);
        }
        ++next;
        if ((options.clear_when_full && next == 4094) ||
            (options.clear_every > 0 && codes_since_clear >= options.clear_every)) {
            out.put(kClear, width);
            reset();
        } else if (next > (1u << width) - 1 && width < 12) {
            ++width;
        }
    };

    out.put(kClear, width);
    if (size > 0) {
        uint32_t prefix = data[0];
        for (size_t i = 1; i < size; ++i) {
            const uint8_t c = data[i];
            const uint16_t found = child[size_t{prefix} * 256 + c];
            if (found != 0) {
                prefix = found;
                continue;
            }
            out.put(prefix, width);
            after_code(prefix, c);
            prefix = c;
        }
        out.put(prefix, width);
        after_code(prefix, -1);
    }
    if (options.end_code) out.put(kEnd, width);
    return out.finish();
}

}  // namespace parcrop_test
