#include "decode/png/png_inflate.h"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

namespace parcrop {
namespace {

// Enough output per inflate call that ISA-L's per-call work (it keeps a copy of the
// last 32 KiB of output as history) stays a few percent.
constexpr size_t kMinWindowBytes = size_t{256} << 10;

// ISA-L counts output in 32 bits.
constexpr uint64_t kMaxStepBytes = UINT32_MAX;

// What finish() inflates past the image at most before it stops checking.
constexpr uint64_t kMaxTrailingBytes = uint64_t{1} << 20;

std::string isal_error_text(int code) {
    switch (code) {
        case ISAL_INVALID_BLOCK: return "invalid deflate block";
        case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
        case ISAL_INVALID_LOOKBACK: return "invalid deflate distance";
        case ISAL_INVALID_WRAPPER: return "invalid zlib header";
        case ISAL_UNSUPPORTED_METHOD: return "zlib method is not deflate";
        case ISAL_INCORRECT_CHECKSUM: return "zlib header check or Adler-32 mismatch";
        case ISAL_NEED_DICT: return "zlib stream needs a preset dictionary";
        default: return "inflate error " + std::to_string(code);
    }
}

Status corrupt(const std::string& why) { return Status(PARCROP_E_CORRUPT, "png: " + why); }

}  // namespace

PngImageData::PngImageData(PngChunkReader& chunks, uint64_t total_bytes, size_t max_read)
    : chunks_(chunks), total_bytes_(total_bytes), max_read_(max_read) {}

PngImageData::~PngImageData() = default;

Status PngImageData::init() {
    state_.reset(new (std::nothrow) inflate_state);
    const uint64_t wanted = std::max<uint64_t>(std::min<uint64_t>(std::max(kMinWindowBytes, 2 * max_read_), total_bytes_),
                                               max_read_);
    window_size_ = static_cast<size_t>(wanted);
    window_.reset(new (std::nothrow) uint8_t[window_size_]);
    if (!state_ || !window_) return Status(PARCROP_E_OUT_OF_MEMORY, "png: no memory");
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_ZLIB;  // parses the zlib header, checks the Adler-32 at the end
    return Status::ok();
}

Status PngImageData::read(size_t size, const uint8_t** bytes) {
    if (size > max_read_) return Status(PARCROP_E_INTERNAL, "png: read larger than announced");
    if (end_ - begin_ < size) PARCROP_RETURN_IF_ERROR(fill(size));
    *bytes = window_.get() + begin_;
    begin_ += size;
    return Status::ok();
}

Status PngImageData::fill(size_t wanted) {
    std::memmove(window_.get(), window_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    while (end_ < wanted) {
        if (stream_ended_) return corrupt("image data ends before the last row");
        const uint64_t room = std::min<uint64_t>({window_size_ - end_, total_bytes_ - inflated_, kMaxStepBytes});
        if (room == 0) return Status(PARCROP_E_INTERNAL, "png: read past the announced image data");
        size_t produced = 0;
        PARCROP_RETURN_IF_ERROR(step(window_.get() + end_, static_cast<size_t>(room), &produced));
        end_ += produced;
        inflated_ += produced;
    }
    return Status::ok();
}

Status PngImageData::finish() {
    uint64_t trailing = 0;
    while (!stream_ended_ && trailing <= kMaxTrailingBytes) {
        // Nothing in the window is needed any more.
        size_t produced = 0;
        PARCROP_RETURN_IF_ERROR(step(window_.get(), std::min<uint64_t>(window_size_, kMaxStepBytes), &produced));
        trailing += produced;
    }
    begin_ = end_ = 0;
    return Status::ok();
}

Status PngImageData::step(uint8_t* out, size_t room, size_t* produced) {
    *produced = 0;
    inflate_state& state = *state_;
    if (state.avail_in == 0 && !input_ended_) {
        ByteSpan payload;
        PARCROP_RETURN_IF_ERROR(chunks_.next_image_data(&payload, &input_ended_, &input_truncated_));
        state.next_in = const_cast<uint8_t*>(payload.data);  // ISA-L does not write its input
        state.avail_in = static_cast<uint32_t>(payload.size);
        return Status::ok();
    }
    // Even without input, ISA-L may still hold output from the last call.
    const uint32_t input_before = state.avail_in;
    state.next_out = out;
    state.avail_out = static_cast<uint32_t>(room);
    const int result = isal_inflate(&state);
    *produced = room - state.avail_out;
    if (result != ISAL_DECOMP_OK) return corrupt(isal_error_text(result));
    if (state.block_state == ISAL_BLOCK_FINISH) stream_ended_ = true;
    if (*produced == 0 && state.avail_in == input_before && !stream_ended_) {
        if (!input_ended_) return corrupt("inflate makes no progress");
        return input_truncated_ ? Status(PARCROP_E_TRUNCATED, "png: file ends inside the image data")
                                : corrupt("image data ends before the last row or its checksum");
    }
    return Status::ok();
}

}  // namespace parcrop
