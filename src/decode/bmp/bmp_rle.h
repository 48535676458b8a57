// BMP run-length data (RLE8, RLE4) read row by row in any order. Runs are sequential and
// bottom-up files store the bottom row first, so a first pass walks the data once and
// remembers where each row of the crop starts (a few words per row, never pixels); each
// requested row is then expanded from there on its own. Memory is that index plus one
// row, and work is bounded by the data bytes plus the crop, whatever the header claims.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "decode/decoder.h"

namespace parcrop {

// Where the decoding of the data stands between two escapes or runs.
struct BmpRleState {
    size_t next = 0;        // byte of the data
    uint64_t position = 0;  // pixel, in file order (the file's first row first)
    uint64_t column = 0;    // Pillow's column, which an absolute run may carry past the row
};

// Runs follow Pillow's BmpRleDecoder, which lays pixels out in one sequence: an encoded run
// is clipped at the end of its row, an absolute run continues into the next row, a delta
// moves dx + dy * width pixels on, and pixels no run writes are palette index 0. Unlike
// Pillow, an end-of-bitmap escape before the last row is not an error: the rest is index 0.
class BmpRleReader {
public:
    // `data`: from the pixel-data offset to the end of the file.
    BmpRleReader(ByteSpan data, uint32_t width, uint32_t height, bool four_bit)
        : data_(data), width_(width), height_(height), four_bit_(four_bit) {}

    // What index_rows allocates for `rows` rows, to check against max_decode_memory.
    static uint64_t index_bytes(uint64_t rows) { return rows * sizeof(BmpRleState); }

    // Walks the data to the end of file row `last` (or the end-of-bitmap escape), noting
    // where each file row from `first` on starts. PARCROP_E_TRUNCATED when the data ends
    // before.
    Status index_rows(uint32_t first, uint32_t last);

    // Palette indices of columns [x0, x1) of a file row inside the indexed ones.
    void read_row(uint32_t file_row, uint32_t x0, uint32_t x1, uint8_t* indices) const;

private:
    // Columns [x0, x1) of one file row, where a step's pixels may go.
    struct Target {
        uint64_t begin = 0, end = 0;  // pixel positions
        uint8_t* indices = nullptr;
    };
    enum class Step { more, end_of_bitmap, end_of_data };

    // One run or escape from `state`; pixels inside `target` (if any) are written.
    Step step(BmpRleState* state, const Target* target) const;
    void encoded_run(BmpRleState* state, uint8_t count, uint8_t value, const Target* target) const;
    Step absolute_run(BmpRleState* state, uint8_t count, const Target* target) const;

    const ByteSpan data_;
    const uint32_t width_, height_;
    const bool four_bit_;
    uint32_t first_row_ = 0;
    std::vector<BmpRleState> row_starts_;  // of file rows first_row_..; next == SIZE_MAX: never reached
};

}  // namespace parcrop
