#include "decode/bmp/bmp_rle.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace parcrop {
namespace {

constexpr size_t kNotReached = std::numeric_limits<size_t>::max();

}  // namespace

Status BmpRleReader::index_rows(uint32_t first, uint32_t last) {
    first_row_ = first;
    BmpRleState unreached;
    unreached.next = kNotReached;
    row_starts_.assign(size_t{last - first} + 1, unreached);

    const uint64_t width = width_;
    const uint64_t end = (uint64_t{last} + 1) * width;
    uint64_t row = first;  // the next row whose start is to be found
    BmpRleState state;
    Step result = Step::more;
    while (state.position < end && result == Step::more) {
        const BmpRleState before = state;
        result = step(&state, nullptr);
        // A row starts in the step that carries the position past its first pixel (an
        // absolute run may span rows, a delta skip them); replaying that step rebuilds it.
        for (; row <= last && state.position > row * width; ++row) row_starts_[row - first] = before;
    }
    if (state.position >= end || result == Step::end_of_bitmap) return Status::ok();
    return Status(PARCROP_E_TRUNCATED, "bmp: data ends inside the image");
}

void BmpRleReader::read_row(uint32_t file_row, uint32_t x0, uint32_t x1, uint8_t* indices) const {
    std::memset(indices, 0, x1 - x0);
    BmpRleState state = row_starts_[file_row - first_row_];
    if (state.next == kNotReached) return;  // after the end-of-bitmap escape
    const uint64_t row_begin = uint64_t{file_row} * width_;
    Target target;
    target.begin = row_begin + x0;
    target.end = row_begin + x1;
    target.indices = indices;
    // index_rows saw this row complete, or the escape that ends the bitmap.
    while (state.position < row_begin + width_ && step(&state, &target) == Step::more) {
    }
}

BmpRleReader::Step BmpRleReader::step(BmpRleState* state, const Target* target) const {
    const uint8_t* bytes = data_.data;
    const size_t size = data_.size;
    if (size - state->next < 2) {
        state->next = size;
        return Step::end_of_data;
    }
    const uint8_t count = bytes[state->next], value = bytes[state->next + 1];
    state->next += 2;
    const uint64_t width = width_, total = width * height_;
    if (count != 0) {
        encoded_run(state, count, value, target);
    } else if (value == 0) {  // end of line
        state->position = std::min(total, (state->position + width - 1) / width * width);
        state->column = 0;
    } else if (value == 1) {
        return Step::end_of_bitmap;
    } else if (value == 2) {  // delta: right, up (in file order)
        if (size - state->next < 2) {
            state->next = size;
            return Step::end_of_data;
        }
        const uint64_t right = bytes[state->next], up = bytes[state->next + 1];
        state->next += 2;
        state->position = std::min(total, state->position + right + up * width);
        state->column = state->position % width;
    } else {
        return absolute_run(state, value, target);
    }
    return Step::more;
}

// Repeats one index (RLE8) or alternates two (RLE4), never past the end of the row.
void BmpRleReader::encoded_run(BmpRleState* state, uint8_t count, uint8_t value, const Target* target) const {
    const uint64_t width = width_, total = width * height_;
    const uint64_t room = state->column < width ? width - state->column : 0;
    const uint64_t run = std::min({uint64_t{count}, room, total - state->position});
    if (target != nullptr) {
        const uint64_t begin = std::max(state->position, target->begin);
        const uint64_t end = std::min(state->position + run, target->end);
        const uint8_t first = four_bit_ ? static_cast<uint8_t>(value >> 4) : value;
        const uint8_t second = four_bit_ ? static_cast<uint8_t>(value & 0x0F) : value;
        for (uint64_t p = begin; p < end; ++p) {
            target->indices[p - target->begin] = ((p - state->position) & 1) != 0 ? second : first;
        }
    }
    state->position += run;
    state->column += run;
}

// `count` indices stored as they are, padded to 16 bits; a short final run ends the data.
BmpRleReader::Step BmpRleReader::absolute_run(BmpRleState* state, uint8_t count, const Target* target) const {
    const uint64_t total = uint64_t{width_} * height_;
    const uint64_t pixels = std::min<uint64_t>(count, total - state->position);
    const size_t wanted = static_cast<size_t>(four_bit_ ? (pixels + 1) / 2 : pixels);
    const size_t present = std::min(wanted, data_.size - state->next);
    const uint64_t available = four_bit_ ? std::min<uint64_t>(pixels, 2 * uint64_t{present}) : present;
    const uint8_t* stored = data_.data + state->next;
    if (target != nullptr) {
        // Only the pixels inside the target are looked at, so a replayed run costs its overlap.
        const uint64_t begin = std::max(state->position, target->begin);
        const uint64_t end = std::min(state->position + available, target->end);
        for (uint64_t p = begin; p < end; ++p) {
            const uint64_t i = p - state->position;
            target->indices[p - target->begin] =
                four_bit_ ? static_cast<uint8_t>((i & 1) != 0 ? stored[i / 2] & 0x0F : stored[i / 2] >> 4) : stored[i];
        }
    }
    state->position += available;
    state->next += present;
    if (present < wanted) return Step::end_of_data;
    state->column += count;
    if (wanted % 2 != 0) state->next = std::min(state->next + 1, data_.size);
    return Step::more;
}

}  // namespace parcrop
