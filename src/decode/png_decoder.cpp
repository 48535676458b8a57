#include "decode/png_decoder.h"

#include <spng.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "common/pixel_convert.h"

namespace parcrop {
namespace {

// Ancillary chunks (text, ICC profiles, Exif) are cached by spng; without a bound a small
// file could inflate a zTXt bomb. The image data itself is not subject to these limits.
constexpr size_t kMaxChunkBytes = size_t{64} << 20;
constexpr size_t kMaxChunkCacheBytes = size_t{64} << 20;

// PNG's own ceiling on a side; spng refuses larger image limits.
constexpr uint32_t kPngMaxSide = 0x7fffffffu;

// Adam7 pass 7 (index 6) holds only odd rows, and passes 1-6 have already filled every even
// row, so once pass 7 moves below a row, that row and all above it are final.
constexpr int kAdam7LastPass = 6;

struct SpngContextDeleter {
    void operator()(spng_ctx* context) const { spng_ctx_free(context); }
};
using SpngContext = std::unique_ptr<spng_ctx, SpngContextDeleter>;

parcrop_status status_for_spng_error(int error) {
    switch (error) {
        case SPNG_IO_EOF:
        case SPNG_EOF:
            return PARCROP_E_TRUNCATED;
        case SPNG_EMEM:
            return PARCROP_E_OUT_OF_MEMORY;
        case SPNG_EUSER_WIDTH:
        case SPNG_EUSER_HEIGHT:
        case SPNG_EOVERFLOW:
        case SPNG_ECHUNK_LIMITS:  // spng's bound on ancillary chunk memory (set above)
            return PARCROP_E_IMAGE_TOO_LARGE;
        case SPNG_ECHUNK_UNKNOWN_CRITICAL:  // a checksummed chunk the standard does not define
            return PARCROP_E_UNSUPPORTED;
        // Misuse of the API by this file, not a property of the input.
        case SPNG_EINVAL:
        case SPNG_EBUFSIZ:
        case SPNG_EBUF_SET:
        case SPNG_EBADSTATE:
        case SPNG_EFMT:
        case SPNG_EFLAGS:
        case SPNG_ENCODE_ONLY:
        case SPNG_EINTERNAL:
        case SPNG_ECTXTYPE:
        case SPNG_ENOSRC:
        case SPNG_ENODST:
        case SPNG_EOPSTATE:
        case SPNG_ENOTFINAL:
        case SPNG_EZLIB_INIT:
            return PARCROP_E_INTERNAL;
        default:
            // Signature, IHDR fields, chunk layout and CRCs, zlib and filter errors.
            return PARCROP_E_CORRUPT;
    }
}

Status spng_error_status(int error) {
    return Status(status_for_spng_error(error), std::string("png: ") + spng_strerror(error));
}

// Short enough for the small-string buffer: reporting a failed allocation must not allocate.
Status out_of_memory_status() { return Status(PARCROP_E_OUT_OF_MEMORY, "png: no memory"); }

// What spng is asked to produce for each row: an 8-bit layout that convert_row understands,
// as narrow as the request allows (alpha is decoded only when the caller keeps it).
struct RowFormat {
    int spng_format = SPNG_FMT_RGBA8;
    int decode_flags = 0;
    uint32_t channels = 4;
};

RowFormat choose_row_format(const spng_ihdr& ihdr, bool has_trns, uint32_t requested_channels) {
    const bool keep_alpha = requested_channels == 4;
    switch (ihdr.color_type) {
        case SPNG_COLOR_TYPE_GRAYSCALE:
            // spng offers G8/GA8 only up to 8 bits; 16-bit gray goes through its RGB path,
            // which keeps the high byte, and convert_row's luma of r = g = b is exact.
            if (ihdr.bit_depth <= 8) {
                if (keep_alpha && has_trns) return {SPNG_FMT_GA8, SPNG_DECODE_TRNS, 2};
                return {SPNG_FMT_G8, 0, 1};
            }
            if (keep_alpha && has_trns) return {SPNG_FMT_RGBA8, SPNG_DECODE_TRNS, 4};
            return {SPNG_FMT_RGB8, 0, 3};
        case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA:
            // 8-bit gray+alpha is already GA8 in the file; no conversion at all.
            if (ihdr.bit_depth == 8) return {SPNG_FMT_PNG, 0, 2};
            if (keep_alpha) return {SPNG_FMT_RGBA8, 0, 4};
            return {SPNG_FMT_RGB8, 0, 3};
        case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA:
            if (keep_alpha) return {SPNG_FMT_RGBA8, 0, 4};
            return {SPNG_FMT_RGB8, 0, 3};
        default:  // truecolor and indexed: alpha comes only from tRNS
            if (keep_alpha && has_trns) return {SPNG_FMT_RGBA8, SPNG_DECODE_TRNS, 4};
            return {SPNG_FMT_RGB8, 0, 3};
    }
}

bool checked_multiply(size_t a, size_t b, size_t* product) {
    if (a != 0 && b > std::numeric_limits<size_t>::max() / a) return false;
    *product = a * b;
    return true;
}


class PngDecoder final : public Decoder {
public:
    PngDecoder(ByteSpan data, const Limits& limits) noexcept : data_(data), limits_(limits) {}

    Status read_header(ImageHeader* header) override {
        return without_exceptions("png", [&] { return read_header_unguarded(header); });
    }

    Status decode(const DecodeRequest& request, RowSink& sink) override {
        return without_exceptions("png", [&] { return decode_unguarded(request, sink); });
    }

private:
    Status read_header_unguarded(ImageHeader* header) {
        if (!header_read_) {
            PARCROP_RETURN_IF_ERROR(open_and_read_ihdr());
            header_read_ = true;
        }
        header->width = ihdr_.width;
        header->height = ihdr_.height;
        header->format = ImageFormat::png;
        header->max_scale_denom = 1;
        return Status::ok();
    }

    Status open_and_read_ihdr() {
        if (data_.data == nullptr || data_.size == 0) {
            return Status(PARCROP_E_EMPTY_INPUT, "png: no data");
        }
        context_.reset(spng_ctx_new(0));
        if (!context_) return out_of_memory_status();
        spng_ctx* context = context_.get();

        int error = spng_set_image_limits(context, std::min(limits_.max_width, kPngMaxSide),
                                          std::min(limits_.max_height, kPngMaxSide));
        if (error == 0) error = spng_set_chunk_limits(context, kMaxChunkBytes, kMaxChunkCacheBytes);
        // CRCs and Adler-32 stay verified (spng's default): the measured saving of skipping
        // them is small next to inflate, and a corrupt file should fail, not decode to noise.
        if (error == 0) error = spng_set_png_buffer(context, data_.data, data_.size);
        if (error == 0) error = spng_get_ihdr(context, &ihdr_);
        if (error != 0) return spng_error_status(error);
        return check_dimensions(ihdr_.width, ihdr_.height, limits_);
    }

    Status decode_unguarded(const DecodeRequest& request, RowSink& sink) {
        if (!header_read_) return Status(PARCROP_E_INTERNAL, "png: decode before read_header");
        if (decode_started_) return Status(PARCROP_E_INTERNAL, "png: decode called twice");
        decode_started_ = true;
        if (!(request.scale_denom == 1 && request_fits(request, ihdr_.width, ihdr_.height))) {
            return Status(PARCROP_E_INTERNAL, "png: invalid decode request");
        }

        // Reads the chunks before the image data; a missing tRNS is the usual answer.
        spng_trns trns{};
        const int trns_error = spng_get_trns(context_.get(), &trns);
        if (trns_error != 0 && trns_error != SPNG_ECHUNKAVAIL) return spng_error_status(trns_error);
        const RowFormat format = choose_row_format(ihdr_, trns_error == 0, request.channels);

        size_t row_bytes = 0;
        if (!checked_multiply(ihdr_.width, format.channels, &row_bytes)) {
            return Status(PARCROP_E_IMAGE_TOO_LARGE, "png: row size overflows");
        }
        const int error = spng_decode_image(context_.get(), nullptr, 0, format.spng_format,
                                            format.decode_flags | SPNG_DECODE_PROGRESSIVE);
        if (error != 0) return spng_error_status(error);

        if (ihdr_.interlace_method == SPNG_INTERLACE_NONE) {
            return stream_rows(request, format, row_bytes, sink);
        }
        return decode_interlaced(request, format, row_bytes, sink);
    }

    // Rows arrive top to bottom; each requested one is handed over as soon as it is decoded
    // and nothing below the last requested row is inflated.
    Status stream_rows(const DecodeRequest& request, const RowFormat& format, size_t row_bytes,
                       RowSink& sink) {
        const std::vector<uint32_t>& rows = *request.rows;
        const uint32_t crop_width = request.x1 - request.x0;
        const size_t crop_offset = size_t{request.x0} * format.channels;
        const bool convert = format.channels != request.channels;

        std::vector<uint8_t> row(row_bytes);
        std::vector<uint8_t> converted(convert ? size_t{crop_width} * request.channels : 0);
        size_t next = 0;
        for (uint32_t y = 0; y <= rows.back(); ++y) {
            const int error = spng_decode_row(context_.get(), row.data(), row.size());
            // SPNG_EOI comes with the last row of the image, which was still written.
            if (error != 0 && !(error == SPNG_EOI && y + 1 == ihdr_.height)) {
                return spng_error_status(error);
            }
            if (y != rows[next]) continue;
            const uint8_t* pixels = row.data() + crop_offset;
            if (convert) {
                convert_row(pixels, format.channels, converted.data(), request.channels, crop_width);
                pixels = converted.data();
            }
            sink.row(y, pixels);
            ++next;
        }
        return Status::ok();
    }

    // Adam7 spreads every row over up to seven passes, so nothing is final before the last
    // pass reaches it. Only the band of rows from the first to the last requested one is
    // kept; rows outside it are deinterlaced into a scratch row and thrown away.
    Status decode_interlaced(const DecodeRequest& request, const RowFormat& format,
                             size_t row_bytes, RowSink& sink) {
        const std::vector<uint32_t>& rows = *request.rows;
        const uint32_t first_row = rows.front();
        const uint32_t last_row = rows.back();
        size_t band_bytes = 0;
        if (!checked_multiply(size_t{last_row - first_row} + 1, row_bytes, &band_bytes)) {
            return Status(PARCROP_E_IMAGE_TOO_LARGE, "png: image size overflows");
        }
        std::vector<uint8_t> band(band_bytes);
        std::vector<uint8_t> scratch(row_bytes);

        for (;;) {
            spng_row_info info{};
            int error = spng_get_row_info(context_.get(), &info);
            if (error == SPNG_EOI) break;
            if (error != 0) return spng_error_status(error);
            if (info.pass == kAdam7LastPass && info.row_num > last_row) break;

            uint8_t* destination = scratch.data();
            if (info.row_num >= first_row && info.row_num <= last_row) {
                destination = band.data() + size_t{info.row_num - first_row} * row_bytes;
            }
            error = spng_decode_row(context_.get(), destination, row_bytes);
            if (error == SPNG_EOI) break;
            if (error != 0) return spng_error_status(error);
        }

        const uint32_t crop_width = request.x1 - request.x0;
        const size_t crop_offset = size_t{request.x0} * format.channels;
        const bool convert = format.channels != request.channels;
        std::vector<uint8_t> converted(convert ? size_t{crop_width} * request.channels : 0);
        for (const uint32_t y : rows) {
            const uint8_t* pixels = band.data() + size_t{y - first_row} * row_bytes + crop_offset;
            if (convert) {
                convert_row(pixels, format.channels, converted.data(), request.channels, crop_width);
                pixels = converted.data();
            }
            sink.row(y, pixels);
        }
        return Status::ok();
    }

    const ByteSpan data_;
    const Limits limits_;
    SpngContext context_;
    spng_ihdr ihdr_{};
    bool header_read_ = false;
    bool decode_started_ = false;
};

}  // namespace

std::unique_ptr<Decoder> make_png_decoder(ByteSpan data, const Limits& limits) {
    return std::unique_ptr<Decoder>(new (std::nothrow) PngDecoder(data, limits));
}

}  // namespace parcrop
