// A PNG's image data as one zlib stream across its IDAT chunks, inflated on demand with
// ISA-L (igzip), which inflates the benchmark's PNGs about twice as fast as zlib
// (benchmarks/png_bench) while keeping zlib's streaming: memory is a fixed window, not
// the image, and inflating stops wherever the caller stops asking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/status.h"
#include "decode/png/png_chunks.h"

struct inflate_state;

namespace parcrop {

class PngImageData {
public:
    // `chunks` must have read the colour info and must outlive this object. At most
    // `total_bytes` bytes (the filtered image, or as much of it as a crop needs) are
    // ever inflated, and no single read asks for more than `max_read` bytes.
    PngImageData(PngChunkReader& chunks, uint64_t total_bytes, size_t max_read);
    ~PngImageData();
    PngImageData(const PngImageData&) = delete;
    PngImageData& operator=(const PngImageData&) = delete;

    // Allocates the inflater and its output window; PARCROP_E_OUT_OF_MEMORY on failure.
    Status init();

    // Points `*bytes` at the next `size` bytes of the stream (size <= max_read), valid
    // until the next call. PARCROP_E_TRUNCATED if the file ends first,
    // PARCROP_E_CORRUPT for invalid zlib data, an IDAT CRC mismatch or a stream that
    // ends before the image does.
    Status read(size_t size, const uint8_t** bytes);

    // After the image's last byte has been read: inflates what follows to the end of
    // the stream, so that the Adler-32 is verified. Data past the image is ignored, up
    // to a bound, as libpng does.
    Status finish();

private:
    Status fill(size_t wanted);
    // Takes the next IDAT payload when the input is used up, else inflates into
    // out[0, room) as far as the input goes.
    Status step(uint8_t* out, size_t room, size_t* produced);

    PngChunkReader& chunks_;
    const uint64_t total_bytes_;
    const size_t max_read_;
    std::unique_ptr<inflate_state> state_;
    std::unique_ptr<uint8_t[]> window_;
    size_t window_size_ = 0;
    size_t begin_ = 0;  // unread bytes are window_[begin_, end_)
    size_t end_ = 0;
    uint64_t inflated_ = 0;
    bool stream_ended_ = false;
    bool input_ended_ = false;
    bool input_truncated_ = false;
};

}  // namespace parcrop
