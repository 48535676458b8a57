#include "decode/tiff/tiff_tile.h"

#include <cstring>
#include <string>
#include <vector>

#include "decode/jpeg/jpeg_decoder.h"
#include "decode/tiff/tiff_codecs.h"
#include "decode/webp/webp_decoder.h"

namespace parcrop {
namespace {

// Copies the rows a codec delivers into the caller's rectangle.
class RectSink final : public RowSink {
public:
    RectSink(uint32_t first_row, size_t row_bytes, uint8_t* out, size_t stride)
        : first_row_(first_row), row_bytes_(row_bytes), out_(out), stride_(stride) {}
    void row(uint32_t y, const uint8_t* pixels) override {
        std::memcpy(out_ + size_t{y - first_row_} * stride_, pixels, row_bytes_);
        ++rows_;
    }
    uint32_t rows() const { return rows_; }

private:
    uint32_t first_row_;
    size_t row_bytes_;
    uint8_t* out_;
    size_t stride_;
    uint32_t rows_ = 0;
};

// A tile decoded by a codec of its own (JPEG, WebP): check that its stream has the
// tile's size, then let it crop.
Status decode_with(Decoder& decoder, const char* codec, uint32_t width, uint32_t height, const TileRect& rect,
                   uint32_t samples, uint8_t* out, size_t out_stride) {
    ImageHeader header;
    PARCROP_RETURN_IF_ERROR(decoder.read_header(&header));
    if (header.width != width || header.height != height) {
        return Status(PARCROP_E_CORRUPT, std::string("tiff: a ") + codec + " tile of " + std::to_string(header.width) +
                                             "x" + std::to_string(header.height) + " pixels where the tile is " +
                                             std::to_string(width) + "x" + std::to_string(height));
    }
    std::vector<uint32_t> rows;
    for (uint32_t y = rect.y0; y < rect.y1; ++y) rows.push_back(y);
    DecodeRequest request;
    request.scale_denom = rect.scale_denom;
    request.x0 = rect.x0;
    request.x1 = rect.x1;
    request.rows = &rows;
    request.channels = samples;
    RectSink sink(rect.y0, size_t{rect.x1 - rect.x0} * samples, out, out_stride);
    PARCROP_RETURN_IF_ERROR(decoder.decode(request, sink));
    if (sink.rows() != rows.size()) return Status(PARCROP_E_CORRUPT, std::string("tiff: a ") + codec + " tile ended early");
    return Status::ok();
}

}  // namespace

uint32_t scaled_tile_width(const TiffLevel& level, uint32_t denom) { return scaled_size(level.tile_width, denom); }

uint32_t scaled_tile_rows(const TiffLevel& level, uint32_t tile_row, uint32_t denom) {
    return scaled_size(level.stored_rows(tile_row), denom);
}

Status decode_tiff_tile(const TiffLevel& level, uint32_t tile_row, ByteSpan compressed, const TileRect& rect,
                        const Limits& limits, uint8_t* out, size_t out_stride) {
    const uint32_t stored_rows = level.stored_rows(tile_row);
    // A tile is decoded in one piece; what bounds it is the tile, not the image.
    Limits tile_limits = limits;
    tile_limits.max_width = level.tile_width;
    tile_limits.max_height = stored_rows;
    tile_limits.max_pixels = uint64_t{level.tile_width} * stored_rows;
    if (level.compression == tiff_compression::jpeg) {
        EmbeddedJpeg embedding;
        embedding.tables = ByteSpan{level.jpeg_tables.data(), level.jpeg_tables.size()};
        embedding.color = level.photometric == 2 ? EmbeddedJpeg::Color::rgb
                          : level.photometric == 6 ? EmbeddedJpeg::Color::ycbcr
                                                   : EmbeddedJpeg::Color::guess;
        const std::unique_ptr<Decoder> decoder = make_embedded_jpeg_decoder(compressed, embedding, tile_limits);
        return decode_with(*decoder, "JPEG", level.tile_width, stored_rows, rect, level.samples, out, out_stride);
    }
    if (level.compression == tiff_compression::webp) {
        const std::unique_ptr<Decoder> decoder = make_webp_decoder(compressed, tile_limits);
        return decode_with(*decoder, "WebP", level.tile_width, stored_rows, rect, level.samples, out, out_stride);
    }
    if (rect.scale_denom != 1) return Status(PARCROP_E_INTERNAL, "tiff: a reduced decode of a lossless tile");
    // The lossless codecs: inflate down to the rectangle's last row, undo the
    // predictor on the rows wanted only (it runs along rows), copy their columns.
    const size_t row_bytes = size_t{level.tile_width} * level.samples;
    PARCROP_RETURN_IF_ERROR(check_decode_memory(uint64_t{row_bytes} * rect.y1, "tiff: a tile's rows", limits));
    thread_local std::vector<uint8_t> kept;
    const ThreadScratch inflated(&kept);
    inflated->resize(row_bytes * rect.y1);
    PARCROP_RETURN_IF_ERROR(decompress_tiff_bytes(static_cast<TiffCompression>(level.compression), compressed,
                                                  inflated->data(), inflated->size()));
    uint8_t* first = inflated->data() + row_bytes * rect.y0;
    if (level.predictor) undo_horizontal_predictor(first, rect.y1 - rect.y0, row_bytes, level.samples);
    const size_t column_bytes = size_t{rect.x1 - rect.x0} * level.samples;
    for (uint32_t y = rect.y0; y < rect.y1; ++y) {
        std::memcpy(out + size_t{y - rect.y0} * out_stride,
                    inflated->data() + row_bytes * y + size_t{rect.x0} * level.samples, column_bytes);
    }
    return Status::ok();
}

}  // namespace parcrop
