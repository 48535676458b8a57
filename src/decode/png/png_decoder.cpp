#include "decode/png/png_decoder.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "common/pixel_convert.h"
#include "decode/png/png_chunks.h"
#include "decode/png/png_inflate.h"
#include "decode/png/png_pixels.h"
#include "decode/png/png_unfilter.h"

namespace parcrop {
namespace {

// The most bytes one byte of a deflate stream can inflate to.
constexpr uint64_t kDeflateMaxExpansion = 1032;

// Adam7: where each pass starts and how far apart its pixels are (PNG spec, 8.2).
struct Adam7Pass {
    uint32_t x0, y0, dx, dy;
};
constexpr Adam7Pass kAdam7[7] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                 {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};

// Positions p = start + k * step (k >= 0) below `limit`.
uint32_t count_below(uint32_t limit, uint32_t start, uint32_t step) {
    return limit <= start ? 0 : (limit - start + step - 1) / step;
}

Status too_large() { return Status(PARCROP_E_IMAGE_TOO_LARGE, "png: image data size overflows"); }

Status bad_filter(uint8_t filter, uint32_t y) {
    return Status(PARCROP_E_CORRUPT, "png: invalid filter type " + std::to_string(filter) + " in row " +
                                         std::to_string(y));
}

// Two scanline prefixes, the one above and the one being unfiltered, swapped per row.
class ScanlinePair {
public:
    explicit ScanlinePair(size_t bytes) : storage_(2 * bytes), bytes_(bytes) {}  // zeroed
    const uint8_t* above() const { return storage_.data() + (flip_ ? bytes_ : 0); }
    uint8_t* current() { return storage_.data() + (flip_ ? 0 : bytes_); }
    void advance() { flip_ = !flip_; }
    // A new image or pass: the row above the first one is all zero.
    void restart() {
        std::fill(storage_.begin(), storage_.end(), 0);
        flip_ = false;
    }

private:
    std::vector<uint8_t> storage_;
    size_t bytes_;
    bool flip_ = false;
};

// Turns the crop's columns of an unfiltered scanline into the requested layout, without
// a copy where the scanline already is that layout.
class CropRowWriter {
public:
    CropRowWriter(const PngPixelConverter& converter, uint32_t crop_width, uint32_t channels)
        : converter_(converter), crop_width_(crop_width), channels_(channels),
          pixels_(converter.is_identity() ? 0 : size_t{crop_width} * converter.channels()),
          converted_(converter.channels() == channels ? 0 : size_t{crop_width} * channels) {}

    const uint8_t* pixels(const uint8_t* scanline, uint32_t x0) {
        if (converter_.is_identity()) return requested(scanline + size_t{x0} * converter_.channels());
        converter_.convert(scanline, x0, crop_width_, pixels_.data());
        return requested(pixels_.data());
    }

    // The crop's pixels in the converter's layout, in the requested one.
    const uint8_t* requested(const uint8_t* pixels) {
        if (converter_.channels() == channels_) return pixels;
        convert_row(pixels, converter_.channels(), converted_.data(), channels_, crop_width_);
        return converted_.data();
    }

private:
    const PngPixelConverter& converter_;
    const uint32_t crop_width_;
    const uint32_t channels_;
    std::vector<uint8_t> pixels_;
    std::vector<uint8_t> converted_;
};

class PngDecoder final : public Decoder {
public:
    PngDecoder(ByteSpan data, const Limits& limits) noexcept : data_(data), limits_(limits), chunks_(data) {}

    Status read_header(ImageHeader* header) override {
        return without_exceptions("png", [&] { return read_header_unguarded(header); });
    }

    Status decode(const DecodeRequest& request, RowSink& sink) override {
        return without_exceptions("png", [&] { return decode_unguarded(request, sink); });
    }

private:
    Status read_header_unguarded(ImageHeader* header) {
        if (!header_read_) {
            if (data_.data == nullptr || data_.size == 0) return Status(PARCROP_E_EMPTY_INPUT, "png: no data");
            PARCROP_RETURN_IF_ERROR(chunks_.read_header(&png_));
            PARCROP_RETURN_IF_ERROR(check_dimensions(png_.width, png_.height, limits_));
            header_read_ = true;
        }
        header->width = png_.width;
        header->height = png_.height;
        header->format = ImageFormat::png;
        header->max_scale_denom = 1;
        return Status::ok();
    }

    Status decode_unguarded(const DecodeRequest& request, RowSink& sink) {
        PARCROP_RETURN_IF_ERROR(
            begin_full_scale_decode("png", header_read_, &decode_started_, request, png_.width, png_.height));
        PngColorInfo color;
        PARCROP_RETURN_IF_ERROR(chunks_.read_color_info(png_, &color));
        const PngPixelConverter converter(png_, color, request.channels == 4);
        return png_.interlaced ? decode_interlaced(request, converter, sink)
                               : stream_rows(request, converter, sink);
    }

    // Rows are inflated and unfiltered top to bottom, only as far as the crop's right
    // edge, and each requested one is handed over as soon as it is ready; nothing below
    // the last requested row is inflated.
    Status stream_rows(const DecodeRequest& request, const PngPixelConverter& converter, RowSink& sink) {
        const std::vector<uint32_t>& rows = *request.rows;
        const uint32_t last_row = rows.back();
        const uint64_t stride = 1 + png_row_bytes(png_, png_.width);
        if (stride > std::numeric_limits<uint64_t>::max() / (uint64_t{last_row} + 1)) return too_large();
        PngImageData image_data(chunks_, stride * (uint64_t{last_row} + 1), static_cast<size_t>(stride));
        PARCROP_RETURN_IF_ERROR(image_data.init());

        const size_t prefix_bytes = static_cast<size_t>(png_row_bytes(png_, request.x1));
        ScanlinePair scanlines(prefix_bytes);  // starts all zero: the row above row 0
        const uint32_t crop_width = request.x1 - request.x0;
        CropRowWriter writer(converter, crop_width, request.channels);
        const unsigned bytes_per_pixel = png_.filter_bytes_per_pixel();

        size_t next = 0;
        for (uint32_t y = 0; y <= last_row; ++y) {
            const uint8_t* filtered = nullptr;
            PARCROP_RETURN_IF_ERROR(image_data.read(static_cast<size_t>(stride), &filtered));
            uint8_t* row = scanlines.current();
            if (!unfilter_row(filtered[0], filtered + 1, scanlines.above(), row, prefix_bytes, bytes_per_pixel)) {
                return bad_filter(filtered[0], y);
            }
            scanlines.advance();
            if (y != rows[next]) continue;
            sink.row(y, writer.pixels(row, request.x0));
            ++next;
        }
        if (last_row + 1 == png_.height) return image_data.finish();
        return Status::ok();
    }

    // Adam7 spreads every row over up to seven passes, so nothing is final before the last
    // pass reaches it. Only the crop's columns of the rows from the first to the last
    // requested one are kept; the last pass stops below the last requested row.
    Status decode_interlaced(const DecodeRequest& request, const PngPixelConverter& converter, RowSink& sink) {
        const std::vector<uint32_t>& rows = *request.rows;
        const uint32_t first_row = rows.front();
        const uint32_t last_row = rows.back();
        const uint32_t crop_width = request.x1 - request.x0;
        const uint32_t channels = converter.channels();
        const size_t band_row_bytes = size_t{crop_width} * channels;

        // What the passes hold down to the last row that is needed.
        uint64_t total_bytes = 0, max_stride = 0;
        for (int pass = 0; pass < 7; ++pass) {
            const Adam7Pass& p = kAdam7[pass];
            const uint32_t width = count_below(png_.width, p.x0, p.dx);
            const uint32_t height = count_below(pass == 6 ? last_row + 1 : png_.height, p.y0, p.dy);
            if (width == 0 || height == 0) continue;
            const uint64_t stride = 1 + png_row_bytes(png_, width);
            max_stride = std::max(max_stride, stride);
            if (stride > (std::numeric_limits<uint64_t>::max() - total_bytes) / height) return too_large();
            total_bytes += stride * height;
        }
        // The band is allocated before any image data is read, so a small file must not
        // be able to claim a large one: deflate expands at most 1032 times (258 bytes
        // from a 2-bit length and distance code), which bounds what the file can hold.
        // Then the band itself is bounded like every whole-region buffer.
        if (total_bytes / kDeflateMaxExpansion > data_.size) {
            return Status(PARCROP_E_TRUNCATED, "png: " + std::to_string(data_.size) +
                                                   " bytes cannot inflate to the " + std::to_string(total_bytes) +
                                                   " bytes of the passes the crop needs");
        }
        const uint64_t band_bytes = uint64_t{band_row_bytes} * (uint64_t{last_row - first_row} + 1);
        PARCROP_RETURN_IF_ERROR(check_decode_memory(band_bytes, "png: the crop's interlaced band", limits_));
        std::vector<uint8_t> band(static_cast<size_t>(band_bytes));
        PngImageData image_data(chunks_, total_bytes, static_cast<size_t>(max_stride));
        PARCROP_RETURN_IF_ERROR(image_data.init());
        ScanlinePair scanlines(static_cast<size_t>(png_row_bytes(png_, request.x1)));  // pass 7 is the widest
        std::vector<uint8_t> pass_pixels(band_row_bytes);
        const unsigned bytes_per_pixel = png_.filter_bytes_per_pixel();
        bool read_everything = last_row + 1 == png_.height;

        for (int pass = 0; pass < 7; ++pass) {
            const Adam7Pass& p = kAdam7[pass];
            const uint32_t width = count_below(png_.width, p.x0, p.dx);
            const uint32_t height = count_below(png_.height, p.y0, p.dy);
            if (width == 0 || height == 0) continue;
            const size_t stride = static_cast<size_t>(1 + png_row_bytes(png_, width));
            // The pass's columns inside the crop: [first_column, end_column).
            const uint32_t first_column = count_below(request.x0, p.x0, p.dx);
            const uint32_t end_column = count_below(request.x1, p.x0, p.dx);
            const size_t prefix_bytes = static_cast<size_t>(png_row_bytes(png_, end_column));
            scanlines.restart();
            for (uint32_t k = 0; k < height; ++k) {
                const uint32_t y = p.y0 + k * p.dy;
                if (pass == 6 && y > last_row) {
                    read_everything = false;
                    break;
                }
                const uint8_t* filtered = nullptr;
                PARCROP_RETURN_IF_ERROR(image_data.read(stride, &filtered));
                if (y > last_row) continue;  // inflated only to reach the next pass
                uint8_t* row = scanlines.current();
                if (!unfilter_row(filtered[0], filtered + 1, scanlines.above(), row, prefix_bytes, bytes_per_pixel)) {
                    return bad_filter(filtered[0], y);
                }
                scanlines.advance();
                if (y < first_row || first_column >= end_column) continue;
                converter.convert(row, first_column, end_column - first_column, pass_pixels.data());
                uint8_t* band_row = band.data() + size_t{y - first_row} * band_row_bytes;
                for (uint32_t j = first_column; j < end_column; ++j) {
                    std::memcpy(band_row + size_t{p.x0 + j * p.dx - request.x0} * channels,
                                pass_pixels.data() + size_t{j - first_column} * channels, channels);
                }
            }
        }
        if (read_everything) PARCROP_RETURN_IF_ERROR(image_data.finish());

        CropRowWriter writer(converter, crop_width, request.channels);
        for (const uint32_t y : rows) {
            sink.row(y, writer.requested(band.data() + size_t{y - first_row} * band_row_bytes));
        }
        return Status::ok();
    }

    const ByteSpan data_;
    const Limits limits_;
    PngChunkReader chunks_;
    PngHeader png_;
    bool header_read_ = false;
    bool decode_started_ = false;
};

}  // namespace

std::unique_ptr<Decoder> make_png_decoder(ByteSpan data, const Limits& limits) {
    return std::unique_ptr<Decoder>(new (std::nothrow) PngDecoder(data, limits));
}

}  // namespace parcrop
