// A TIFF pyramid level as a Decoder: the rows of a region assembled from the tiles (or
// strips) that cover it, each decoded only as far as the region needs. Tiles that
// several items of a batch read are decoded once, whole, and shared through a
// TiffTileCache; the others are decoded for their part only.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "common/limits.h"
#include "decode/decoder.h"
#include "decode/tiff/tiff_directory.h"
#include "decode/tiff/tiff_input.h"

namespace parcrop {

// A TIFF opened for one batch: its input and its parsed directories, read-only after
// parsing and shared by every item that names the file.
struct TiffFile {
    std::unique_ptr<TiffInput> input;
    TiffImage image;
};

// The tiles a decode of columns [x0, x1) and `rows` (sorted) of a level at 1/denom
// reads, as indices.
std::vector<uint64_t> tiff_tiles_read(const TiffLevel& level, uint32_t denom, uint32_t x0, uint32_t x1,
                                      const std::vector<uint32_t>& rows);

// Tiles that more than one item reads, decoded by whichever reader comes first and
// freed when the last one is done. Readers are counted before decoding starts
// (expect, from one thread); acquire and release are then safe from any thread.
class TiffTileCache {
public:
    struct Key {
        uint32_t level, denom;
        uint64_t tile;
        bool operator<(const Key& o) const { return std::tie(level, denom, tile) < std::tie(o.level, o.denom, o.tile); }
    };
    struct Tile {
        Status status;
        std::vector<uint8_t> pixels;  // the whole tile at the scale, stored samples, packed rows
        uint32_t width = 0, rows = 0;
    };

    void expect(const Key& key) { ++entries_[key].expected; }
    // Drops tiles with one reader: they are decoded for that reader's part only.
    void keep_shared();
    bool shares(const Key& key) const { return entries_.count(key) != 0; }
    // The tile, decoded by `decode` if no reader did it before. Never null.
    template <typename Decode>
    std::shared_ptr<const Tile> acquire(const Key& key, Decode&& decode) {
        Entry& entry = entries_.at(key);
        std::lock_guard<std::mutex> lock(entry.mutex);
        if (!entry.tile) {
            auto tile = std::make_shared<Tile>();
            tile->status = decode(tile.get());
            entry.tile = std::move(tile);
        }
        return entry.tile;
    }
    void release(const Key& key);

private:
    struct Entry {
        int expected = 0;
        std::atomic<int> released{0};
        std::mutex mutex;
        std::shared_ptr<const Tile> tile;
    };
    std::map<Key, Entry> entries_;
};

// A decoder of level `level` of `file`; `cache` may be null (no shared tiles). The
// region an item asks for may cover at most limits.max_item_decoded_pixels pixels of
// tiles (PARCROP_E_TOO_MANY_PIXELS otherwise, before anything is read).
std::unique_ptr<Decoder> make_tiff_level_decoder(const TiffFile& file, uint32_t level, TiffTileCache* cache,
                                                 const Limits& limits);

// Level 0 of the TIFF in `data`, for make_decoder: parsed in read_header, no shared tiles.
std::unique_ptr<Decoder> make_tiff_decoder(ByteSpan data, const Limits& limits);

// The directory limits of `limits`.
TiffLimits tiff_limits(const Limits& limits);

}  // namespace parcrop
