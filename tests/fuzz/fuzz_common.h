// Shared by the fuzz targets: a reader that takes parameters from the front of the
// input (so that seed files are "parameter block + an untouched encoded image"), and a
// check that aborts loudly when an invariant of the library breaks. Everything here is
// also compiled into the crasher replay test, which has no libFuzzer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace parcrop_fuzz {

// An invariant broke: a bug in parcrop (or in this target). abort() is what libFuzzer and
// the replay test both report as a crash, with the message on stderr.
[[noreturn]] inline void fail(const char* what, const char* file, int line) {
    std::fprintf(stderr, "parcrop fuzz invariant broken at %s:%d: %s\n", file, line, what);
    std::abort();
}
#define PARCROP_FUZZ_CHECK(condition) \
    do {                              \
        if (!(condition)) ::parcrop_fuzz::fail(#condition, __FILE__, __LINE__); \
    } while (0)

// Reads fixed-size fields from the front; past the end it yields zeros, so every input
// is valid and a short input simply means default parameters.
class Reader {
public:
    Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
    uint8_t u8() { return pos_ < size_ ? data_[pos_++] : (pos_++, uint8_t{0}); }
    // Little-endian; each byte read in its own statement, since the order in which the
    // operands of | are evaluated is unspecified (gcc and clang differ).
    uint16_t u16() {
        const uint32_t low = u8();
        const uint32_t high = u8();
        return static_cast<uint16_t>(low | high << 8);
    }
    uint32_t u32() {
        const uint32_t low = u16();
        const uint32_t high = u16();
        return low | high << 16;
    }
    float f32() {
        const uint32_t bits = u32();
        float value;
        std::memcpy(&value, &bits, sizeof value);
        return value;
    }
    // The bytes not yet consumed.
    const uint8_t* rest() const { return pos_ < size_ ? data_ + pos_ : data_ + size_; }
    size_t rest_size() const { return pos_ < size_ ? size_ - pos_ : 0; }

private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
};

// Keeps the compiler from dropping the reads of every delivered byte, so that
// MemorySanitizer (and ASan, for bounds) sees each one.
inline void consume(const uint8_t* bytes, size_t size) {
    uint32_t sum = 0;
    for (size_t i = 0; i < size; ++i) sum += bytes[i];
    // An uninitialised byte makes this branch depend on it, which MSan reports.
    if (sum == 0xFFFFFFFFu) std::fputc(' ', stderr);
    asm volatile("" : : "r"(sum) : "memory");
}

}  // namespace parcrop_fuzz
