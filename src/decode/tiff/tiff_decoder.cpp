#include "decode/tiff/tiff_decoder.h"

#include <algorithm>
#include <string>

#include "common/pixel_convert.h"
#include "decode/tiff/tiff_tile.h"

namespace parcrop {
namespace {

// The rows of tiles at 1/denom: every tile row but a stripped image's last holds
// tile_height / denom rows (parse_tiff allows a reduction only where that is whole).
uint32_t scaled_band_height(const TiffLevel& level, uint32_t denom) {
    return level.tiles_down == 1 ? scaled_size(level.height, denom) : level.tile_height / denom;
}

class TiffLevelDecoder final : public Decoder {
public:
    TiffLevelDecoder(const TiffFile& file, uint32_t level, TiffTileCache* cache, const Limits& limits)
        : file_(file), level_index_(level), level_(file.image.levels.at(level)), cache_(cache), limits_(limits) {}

    Status read_header(ImageHeader* header) override {
        header->width = level_.width;
        header->height = level_.height;
        header->format = level_.compression == tiff_compression::jpeg ? ImageFormat::jpeg : ImageFormat::other;
        header->max_scale_denom = level_.max_scale_denom;
        return Status::ok();
    }

    Status describe(ImageTraits* traits) override {
        traits->channels = level_.samples;
        traits->has_alpha = level_.samples == 2 || level_.samples == 4;
        return Status::ok();
    }

    Status decode(const DecodeRequest& request, RowSink& sink) override {
        return without_exceptions("tiff", [&] { return decode_rows(request, sink); });
    }

private:
    Status decode_rows(const DecodeRequest& request, RowSink& sink) {
        const uint32_t d = request.scale_denom;
        if (d > level_.max_scale_denom || level_.max_scale_denom % d != 0 ||
            !request_fits(request, scaled_size(level_.width, d), scaled_size(level_.height, d))) {
            return Status(PARCROP_E_INTERNAL, "tiff: invalid decode request");
        }
        const std::vector<uint32_t>& rows = *request.rows;
        const uint32_t tile_w = scaled_tile_width(level_, d);
        const uint32_t band_h = scaled_band_height(level_, d);
        const uint32_t tx0 = request.x0 / tile_w, tx1 = (request.x1 - 1) / tile_w;
        // The pixels of the tiles touched, before any is read.
        uint64_t bands = 0;
        for (size_t i = 0; i < rows.size(); ++i) {
            if (i == 0 || rows[i] / band_h != rows[i - 1] / band_h) ++bands;
        }
        const uint64_t pixels = bands * (tx1 - tx0 + 1) * tile_w * band_h;
        if (pixels > limits_.max_item_decoded_pixels) {
            return Status(PARCROP_E_TOO_MANY_PIXELS,
                          "tiff: the tiles under this crop hold " + std::to_string(pixels) +
                              " pixels, over the limit of " + std::to_string(limits_.max_item_decoded_pixels) +
                              " (max_item_decoded_pixels)");
        }
        const uint32_t width = request.x1 - request.x0;
        const uint32_t samples = level_.samples;
        const size_t band_stride = size_t{width} * samples;
        PARCROP_RETURN_IF_ERROR(check_decode_memory(uint64_t{band_stride} * band_h, "tiff: a band of tiles", limits_));
        thread_local std::vector<uint8_t> kept_band, kept_row;
        const ThreadScratch band(&kept_band), converted(&kept_row);
        converted->resize(size_t{width} * request.channels);
        size_t next = 0;
        while (next < rows.size()) {
            const uint32_t ty = rows[next] / band_h;
            size_t end = next;
            while (end < rows.size() && rows[end] / band_h == ty) ++end;
            const uint32_t first = rows[next] - ty * band_h;   // tile-relative, scaled
            const uint32_t last = rows[end - 1] - ty * band_h;  // inclusive
            band->resize(band_stride * (last + 1 - first));
            for (uint32_t tx = tx0; tx <= tx1; ++tx) {
                const uint32_t left = tx * tile_w;
                TileRect rect;
                rect.scale_denom = d;
                rect.x0 = std::max(request.x0, left) - left;
                rect.x1 = std::min(request.x1, left + tile_w) - left;
                rect.y0 = first;
                rect.y1 = last + 1;
                uint8_t* out = band->data() + size_t{left + rect.x0 - request.x0} * samples;
                PARCROP_RETURN_IF_ERROR(read_tile(ty, uint64_t{ty} * level_.tiles_across + tx, rect, out, band_stride));
            }
            for (size_t i = next; i < end; ++i) {
                const uint8_t* row = band->data() + size_t{rows[i] - ty * band_h - first} * band_stride;
                if (samples == request.channels) {
                    sink.row(rows[i], row);
                } else {
                    convert_row(row, samples, converted->data(), request.channels, width);
                    sink.row(rows[i], converted->data());
                }
            }
            next = end;
        }
        return Status::ok();
    }

    Status read_tile(uint32_t tile_row, uint64_t index, const TileRect& rect, uint8_t* out, size_t out_stride) {
        const TiffTileCache::Key key{level_index_, rect.scale_denom, index};
        if (cache_ != nullptr && cache_->shares(key)) {
            std::shared_ptr<const TiffTileCache::Tile> tile = cache_->acquire(key, [&](TiffTileCache::Tile* whole) {
                whole->width = scaled_tile_width(level_, rect.scale_denom);
                whole->rows = scaled_tile_rows(level_, tile_row, rect.scale_denom);
                TileRect all{rect.scale_denom, 0, whole->width, 0, whole->rows};
                const size_t stride = size_t{whole->width} * level_.samples;
                // The whole tile, which may be far taller or wider than its level (a
                // 64x48 level in one tile of 11536x58691 claimed 2 GB here): the item
                // pixel limit counts only the part inside the level.
                PARCROP_RETURN_IF_ERROR(
                    check_decode_memory(uint64_t{stride} * whole->rows, "tiff: a tile shared by several items", limits_));
                whole->pixels.resize(stride * whole->rows);
                return decode_tile(tile_row, index, all, whole->pixels.data(), stride);
            });
            Status status = tile->status;
            if (status.is_ok()) {
                const size_t stride = size_t{tile->width} * level_.samples;
                for (uint32_t y = rect.y0; y < rect.y1; ++y) {
                    std::copy_n(tile->pixels.data() + y * stride + size_t{rect.x0} * level_.samples,
                                size_t{rect.x1 - rect.x0} * level_.samples, out + size_t{y - rect.y0} * out_stride);
                }
            }
            tile.reset();
            cache_->release(key);
            // A tile damaged past the rows this reader needs fails whole but not in
            // part: decoded for this reader's part alone, it gives what it gives
            // without other readers (an item's result never depends on its batch).
            if (!status.is_ok()) return decode_tile(tile_row, index, rect, out, out_stride);
            return status;
        }
        return decode_tile(tile_row, index, rect, out, out_stride);
    }

    Status decode_tile(uint32_t tile_row, uint64_t index, const TileRect& rect, uint8_t* out, size_t out_stride) {
        uint64_t offset = 0, size = 0;
        PARCROP_RETURN_IF_ERROR(tiff_tile_location(*file_.input, file_.image, level_, index, &offset, &size));
        PARCROP_RETURN_IF_ERROR(check_decode_memory(size, "tiff: a compressed tile", limits_));
        thread_local std::vector<uint8_t> kept;
        const ThreadScratch compressed(&kept);
        compressed->resize(size);
        PARCROP_RETURN_IF_ERROR(file_.input->read_exact(offset, size, compressed->data()));
        const Status status = decode_tiff_tile(level_, tile_row, ByteSpan{compressed->data(), compressed->size()}, rect,
                                               limits_, out, out_stride);
        if (status.is_ok()) return status;
        return Status(status.code(), status.message() + " (tile " + std::to_string(index) + " of level " +
                                         std::to_string(level_index_) + ")");
    }

    const TiffFile& file_;
    uint32_t level_index_;
    const TiffLevel& level_;
    TiffTileCache* cache_;
    Limits limits_;
};

// A whole TIFF in memory, level 0.
class TiffBytesDecoder final : public Decoder {
public:
    TiffBytesDecoder(ByteSpan data, const Limits& limits) : limits_(limits) {
        file_.input = std::make_unique<MemoryTiffInput>(data);
    }
    Status read_header(ImageHeader* header) override {
        return without_exceptions("tiff", [&] {
            PARCROP_RETURN_IF_ERROR(parse_tiff(*file_.input, tiff_limits(limits_), &file_.image));
            level_ = make_tiff_level_decoder(file_, 0, nullptr, limits_);
            return level_->read_header(header);
        });
    }
    Status decode(const DecodeRequest& request, RowSink& sink) override {
        if (!level_) return Status(PARCROP_E_INTERNAL, "tiff: decode before read_header");
        return level_->decode(request, sink);
    }
    Status describe(ImageTraits* traits) override {
        if (!level_) return Status(PARCROP_E_INTERNAL, "tiff: describe before read_header");
        return level_->describe(traits);
    }

private:
    TiffFile file_;
    Limits limits_;
    std::unique_ptr<Decoder> level_;
};

}  // namespace

TiffLimits tiff_limits(const Limits& limits) {
    TiffLimits result;
    result.max_side = limits.max_tiled_image_side;
    return result;
}

std::unique_ptr<Decoder> make_tiff_decoder(ByteSpan data, const Limits& limits) {
    return std::make_unique<TiffBytesDecoder>(data, limits);
}

std::vector<uint64_t> tiff_tiles_read(const TiffLevel& level, uint32_t denom, uint32_t x0, uint32_t x1,
                                      const std::vector<uint32_t>& rows) {
    std::vector<uint64_t> tiles;
    if (x0 >= x1) return tiles;
    const uint32_t tile_w = scaled_tile_width(level, denom), band_h = scaled_band_height(level, denom);
    for (size_t i = 0; i < rows.size(); ++i) {
        const uint32_t ty = rows[i] / band_h;
        if (i > 0 && rows[i - 1] / band_h == ty) continue;
        for (uint32_t tx = x0 / tile_w; tx <= (x1 - 1) / tile_w; ++tx) tiles.push_back(uint64_t{ty} * level.tiles_across + tx);
    }
    return tiles;
}

void TiffTileCache::keep_shared() {
    for (auto it = entries_.begin(); it != entries_.end();) {
        it = it->second.expected < 2 ? entries_.erase(it) : std::next(it);
    }
}

void TiffTileCache::release(const Key& key) {
    Entry& entry = entries_.at(key);
    if (entry.released.fetch_add(1) + 1 == entry.expected) {
        std::lock_guard<std::mutex> lock(entry.mutex);
        entry.tile.reset();
    }
}

std::unique_ptr<Decoder> make_tiff_level_decoder(const TiffFile& file, uint32_t level, TiffTileCache* cache,
                                                 const Limits& limits) {
    return std::make_unique<TiffLevelDecoder>(file, level, cache, limits);
}

}  // namespace parcrop
