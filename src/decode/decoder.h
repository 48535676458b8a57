// The one interface every codec implements: read the header, then stream the rows and
// columns of a region, optionally reduced 1/2, 1/4 or 1/8 where the codec can do that
// for free (JPEG's DCT scaling). Decoders push rows to a RowSink in increasing order
// and skip what no one asked for, so time and memory follow the region, not the image.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "common/limits.h"
#include "common/status.h"

namespace parcrop {

struct ByteSpan {
    const uint8_t* data = nullptr;
    size_t size = 0;
};

enum class ImageFormat { jpeg, png, other };

struct ImageHeader {
    uint32_t width = 0;
    uint32_t height = 0;
    ImageFormat format = ImageFormat::other;
    // Largest reduction this decoder offers (1, or 8 for JPEG); scaled_size() gives
    // the image's size at each.
    uint32_t max_scale_denom = 1;
};

// The size of a side of `full` pixels decoded at 1/denom, as libjpeg computes it.
inline uint32_t scaled_size(uint32_t full, uint32_t denom) {
    return static_cast<uint32_t>((uint64_t{full} + denom - 1) / denom);
}

struct DecodeRequest {
    uint32_t scale_denom = 1;  // 1, 2, 4 or 8; at most ImageHeader::max_scale_denom
    // Columns [x0, x1) of the scaled image.
    uint32_t x0 = 0, x1 = 0;
    // The rows wanted, in the scaled image: sorted, unique, non-empty.
    const std::vector<uint32_t>* rows = nullptr;
    uint32_t channels = 3;  // layout of the delivered rows: 1, 3 or 4
};

class RowSink {
public:
    virtual ~RowSink() = default;
    // Row y of the scaled image, columns [x0, x1), `channels` interleaved bytes each.
    // The pointer is valid only during the call.
    virtual void row(uint32_t y, const uint8_t* pixels) = 0;
};

// What a file stores beyond its size, for probing without decoding.
struct ImageTraits {
    uint32_t channels = 3;     // 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA: the layout that keeps everything
    bool has_alpha = false;    // an alpha channel or a transparent colour
    bool interlaced = false;   // rows stored out of order (a GIF's interlaced first frame)
};

class Decoder {
public:
    virtual ~Decoder() = default;
    // Parses the header only; checks the limits before anything is allocated.
    virtual Status read_header(ImageHeader* header) = 0;
    // Valid after a successful read_header, once per decoder.
    virtual Status decode(const DecodeRequest& request, RowSink& sink) = 0;
    // After a successful read_header: the stored layout, from the headers before the
    // pixel data only. JPEG and PNG are probed from their own header parsers
    // (jpeg_header.h, png_chunks.h), so their decoders keep this default.
    virtual Status describe(ImageTraits* traits) {
        (void)traits;
        return Status(PARCROP_E_INTERNAL, "describe is not implemented for this decoder");
    }
};

// True when `request` asks for columns and strictly increasing rows inside an image of
// width x height (at the request's scale), in a supported channel layout. Decoders
// check it first: a request outside the image is a bug of the caller, not of the file.
bool request_fits(const DecodeRequest& request, uint32_t width, uint32_t height);

// The checks of a decoder that reads full-scale pixels once: the header was read, no
// decode ran before (*decode_started is then set), and the request fits a width x height
// image at scale 1. PARCROP_E_INTERNAL, named after the codec, otherwise.
Status begin_full_scale_decode(const char* codec, bool header_read, bool* decode_started,
                               const DecodeRequest& request, uint32_t width, uint32_t height);

// Runs a decoder step so that no exception leaves a decoder: std::bad_alloc becomes
// PARCROP_E_OUT_OF_MEMORY, anything else PARCROP_E_INTERNAL, named after the codec.
template <typename Step>
Status without_exceptions(const char* codec, Step&& step) {
    try {
        return step();
    } catch (const std::bad_alloc&) {
        return Status(PARCROP_E_OUT_OF_MEMORY, std::string(codec) + ": no memory");
    } catch (...) {
        return Status(PARCROP_E_INTERNAL, std::string(codec) + ": unexpected exception");
    }
}

// The formats parcrop reads, as recognised from the first bytes.
enum class FileFormat { unknown, jpeg, png, bmp, gif, hdr, tga, psd, pnm, webp, tiff };

// Which format the first bytes of `data` are, never the file name: the rule
// make_decoder follows. `data` may be only the start of a file.
FileFormat sniff_format(ByteSpan data);

// The decoder for the format recognised from the first bytes of `data`, or
// PARCROP_E_UNKNOWN_FORMAT. `data` must outlive the decoder. A TIFF decodes its level 0
// (batches read TIFFs through decode/tiff/tiff_decoder.h instead, by parts, at any level).
Status make_decoder(ByteSpan data, const Limits& limits, std::unique_ptr<Decoder>* out);

}  // namespace parcrop
