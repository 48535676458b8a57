// libFuzzer target for TIFF's own layers (src/decode/tiff/): the directory parser, tile
// locations, and pyramid levels decoded as Decoders with a tile cache shared by two of
// them, as a batch shares the tiles its items overlap.
//
// Input: a 16-byte parameter block, then the TIFF (see make_seed_corpus.cpp).
//   [0]      bits 0-1: scale 1 << n for level 0, bits 2-3 for the last level (capped at
//            the level's max_scale_denom)
//   [1]      output channels: 1, 3 or 4 (mod 3), else the level's samples
//   [2..5]   region a: x0 and width as u16, reduced into the scaled level
//   [6..7]   region a: first row (u16), [8] row count - 1, [9] row step - 1
//   [10..11] region b: x0 as u16 (its width is a's), [12] first row, [13] row count - 1
//   [14]     a tile index to locate, besides the first and the last
//   [15]     unused
//
// Checked beyond "no crash, no leak, no sanitizer report":
//  - no status is PARCROP_E_INTERNAL;
//  - parsed levels: 1 to max_levels, level 0 within max_side, each level narrower than the
//    one before and no taller, tile tables long enough, 1-4 samples, scale 1/2/4/8;
//  - a tile location, when found, lies inside the input and is not empty; the index one
//    past the last tile is refused;
//  - two regions decoded through a shared TiffTileCache give each the status and bytes a
//    decoder without the cache gives (sharing tiles never changes an item's result), with
//    the rows asked for, in order, once each.
#include <algorithm>
#include <memory>
#include <vector>

#include "decode/tiff/tiff_decoder.h"
#include "decode/tiff/tiff_directory.h"
#include "decode/tiff/tiff_input.h"
#include "fuzz_common.h"

namespace {

using parcrop_fuzz::Reader;

constexpr size_t kParamBytes = 16;

parcrop::Limits fuzz_limits() {
    parcrop::Limits limits;
    limits.max_decode_memory = uint64_t{64} << 20;
    limits.max_item_decoded_pixels = uint64_t{1} << 20;
    limits.max_tiled_image_side = 1u << 16;
    return limits;
}

class CheckingSink final : public parcrop::RowSink {
public:
    CheckingSink(const std::vector<uint32_t>& rows, size_t row_bytes) : rows_(rows), row_bytes_(row_bytes) {}
    void row(uint32_t y, const uint8_t* pixels) override {
        PARCROP_FUZZ_CHECK(next_ < rows_.size());
        PARCROP_FUZZ_CHECK(y == rows_[next_]);
        bytes.insert(bytes.end(), pixels, pixels + row_bytes_);
        ++next_;
    }
    size_t delivered() const { return next_; }
    std::vector<uint8_t> bytes;

private:
    const std::vector<uint32_t>& rows_;
    size_t row_bytes_;
    size_t next_ = 0;
};

struct Region {
    parcrop::DecodeRequest request;
    std::vector<uint32_t> rows;
};

struct Result {
    parcrop::Status status;
    size_t delivered = 0;
    std::vector<uint8_t> bytes;
};

Result decode(const parcrop::TiffFile& file, uint32_t level, parcrop::TiffTileCache* cache,
              const parcrop::Limits& limits, const Region& region) {
    const std::unique_ptr<parcrop::Decoder> decoder = parcrop::make_tiff_level_decoder(file, level, cache, limits);
    parcrop::ImageHeader header;
    PARCROP_FUZZ_CHECK(decoder->read_header(&header).is_ok());
    const parcrop::TiffLevel& l = file.image.levels[level];
    PARCROP_FUZZ_CHECK(header.width == l.width && header.height == l.height);
    parcrop::DecodeRequest request = region.request;
    request.rows = &region.rows;
    CheckingSink sink(region.rows, size_t{request.x1 - request.x0} * request.channels);
    Result result;
    result.status = decoder->decode(request, sink);
    PARCROP_FUZZ_CHECK(result.status.code() != PARCROP_E_INTERNAL);
    if (result.status.is_ok()) PARCROP_FUZZ_CHECK(sink.delivered() == region.rows.size());
    result.delivered = sink.delivered();
    result.bytes = std::move(sink.bytes);
    return result;
}

void check_levels(const parcrop::TiffImage& image, const parcrop::TiffLimits& limits, uint64_t input_size) {
    PARCROP_FUZZ_CHECK(!image.levels.empty() && image.levels.size() <= limits.max_levels);
    PARCROP_FUZZ_CHECK(image.levels[0].width <= limits.max_side && image.levels[0].height <= limits.max_side);
    for (size_t i = 0; i < image.levels.size(); ++i) {
        const parcrop::TiffLevel& l = image.levels[i];
        PARCROP_FUZZ_CHECK(l.width >= 1 && l.height >= 1);
        if (i > 0) {
            PARCROP_FUZZ_CHECK(l.width < image.levels[i - 1].width);
            PARCROP_FUZZ_CHECK(l.height <= image.levels[i - 1].height);
        }
        PARCROP_FUZZ_CHECK(l.samples >= 1 && l.samples <= 4);
        PARCROP_FUZZ_CHECK(l.tile_width >= 1 && l.tile_height >= 1);
        PARCROP_FUZZ_CHECK(uint64_t{l.tiles_across} * l.tile_width >= l.width);
        PARCROP_FUZZ_CHECK(uint64_t{l.tiles_down} * l.tile_height >= l.height);
        PARCROP_FUZZ_CHECK(l.offsets.count >= l.tile_count() && l.byte_counts.count >= l.tile_count());
        PARCROP_FUZZ_CHECK(l.max_scale_denom == 1 || l.max_scale_denom == 2 || l.max_scale_denom == 4 ||
                           l.max_scale_denom == 8);
        if (!l.tiled) PARCROP_FUZZ_CHECK(l.tiles_across == 1 && l.tile_width == l.width);
        (void)input_size;
    }
}

void locate(const parcrop::TiffFile& file, const parcrop::TiffLevel& level, uint64_t index) {
    uint64_t offset = 0, size = 0;
    const parcrop::Status status = parcrop::tiff_tile_location(*file.input, file.image, level, index, &offset, &size);
    PARCROP_FUZZ_CHECK(status.code() != PARCROP_E_INTERNAL);
    if (index >= level.offsets.count || index >= level.byte_counts.count) PARCROP_FUZZ_CHECK(!status.is_ok());
    if (!status.is_ok()) return;
    PARCROP_FUZZ_CHECK(size > 0 && offset <= file.input->size() && size <= file.input->size() - offset);
}

Region region_of(const parcrop::TiffLevel& level, uint32_t denom, uint32_t channels, uint32_t x0, uint32_t width,
                 uint32_t y0, uint32_t count, uint32_t step) {
    Region r;
    const uint32_t w = parcrop::scaled_size(level.width, denom), h = parcrop::scaled_size(level.height, denom);
    r.request.scale_denom = denom;
    r.request.channels = channels;
    r.request.x0 = x0 % w;
    r.request.x1 = r.request.x0 + 1 + width % (w - r.request.x0);
    for (uint64_t y = y0 % h; y < h && r.rows.size() < count; y += step) r.rows.push_back(static_cast<uint32_t>(y));
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < kParamBytes) return 0;
    Reader params(data, kParamBytes);
    const uint8_t scales = params.u8();
    const uint8_t channel_choice = params.u8();
    const uint16_t ax0 = params.u16(), awidth = params.u16(), ay0 = params.u16();
    const uint32_t acount = params.u8() + 1u, astep = params.u8() + 1u;
    const uint16_t bx0 = params.u16();
    const uint32_t by0 = params.u8(), bcount = params.u8() + 1u;
    const uint8_t tile_choice = params.u8();

    const parcrop::Limits limits = fuzz_limits();
    const parcrop::TiffLimits tiff_limits = parcrop::tiff_limits(limits);
    parcrop::TiffFile file;
    file.input = std::make_unique<parcrop::MemoryTiffInput>(parcrop::ByteSpan{data + kParamBytes, size - kParamBytes});
    const parcrop::Status parsed = parcrop::parse_tiff(*file.input, tiff_limits, &file.image);
    PARCROP_FUZZ_CHECK(parsed.code() != PARCROP_E_INTERNAL);
    if (!parsed.is_ok()) return 0;
    check_levels(file.image, tiff_limits, file.input->size());

    for (const parcrop::TiffLevel& level : file.image.levels) {
        const uint64_t tiles = level.tile_count();
        locate(file, level, 0);
        locate(file, level, tiles - 1);
        locate(file, level, tile_choice % tiles);
        locate(file, level, tiles);
    }

    // Level 0 and the last level: two regions sharing a cache, then each alone.
    const uint32_t last = static_cast<uint32_t>(file.image.levels.size() - 1);
    std::vector<uint32_t> levels = {0};
    if (last > 0) levels.push_back(last);
    for (const uint32_t level_index : levels) {
        const parcrop::TiffLevel& level = file.image.levels[level_index];
        uint32_t denom = 1u << ((level_index == 0 ? scales : scales >> 2) & 3);
        denom = std::min(denom, level.max_scale_denom);
        static const uint32_t kChannels[] = {1, 3, 4};
        // The level's own samples when it has 1, 3 or 4 (no conversion), else 1, 3 or 4.
        const uint32_t channels =
            channel_choice % 4 == 3 && level.samples != 2 ? level.samples : kChannels[channel_choice % 4 % 3];
        const Region a = region_of(level, denom, channels, ax0, awidth, ay0, acount, astep);
        const Region b = region_of(level, denom, channels, bx0, awidth, by0, bcount, 1);
        parcrop::TiffTileCache cache;
        for (const Region* r : {&a, &b}) {
            for (const uint64_t tile :
                 parcrop::tiff_tiles_read(level, denom, r->request.x0, r->request.x1, r->rows)) {
                cache.expect(parcrop::TiffTileCache::Key{level_index, denom, tile});
            }
        }
        cache.keep_shared();
        const Result shared_a = decode(file, level_index, &cache, limits, a);
        const Result shared_b = decode(file, level_index, &cache, limits, b);
        const Result alone_a = decode(file, level_index, nullptr, limits, a);
        const Result alone_b = decode(file, level_index, nullptr, limits, b);
        PARCROP_FUZZ_CHECK(shared_a.status.code() == alone_a.status.code());
        PARCROP_FUZZ_CHECK(shared_b.status.code() == alone_b.status.code());
        if (shared_a.status.is_ok()) PARCROP_FUZZ_CHECK(shared_a.bytes == alone_a.bytes);
        if (shared_b.status.is_ok()) PARCROP_FUZZ_CHECK(shared_b.bytes == alone_b.bytes);
        parcrop_fuzz::consume(shared_a.bytes.data(), shared_a.bytes.size());
        parcrop_fuzz::consume(shared_b.bytes.data(), shared_b.bytes.size());
    }
    return 0;
}
