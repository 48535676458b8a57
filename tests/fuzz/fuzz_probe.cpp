// libFuzzer target for probing (src/decode/probe.h, src/batch/probe_batch.h) and the EXIF
// reader (src/decode/exif.h).
//
// Input: the layout of fuzz_decode_region (a 12-byte parameter block, ignored here, then
// the encoded image), so that its seed corpus and crashers serve this target as they are.
//
// Checked beyond "no crash, no leak, no sanitizer report":
//  - no status is PARCROP_E_INTERNAL;
//  - a successful probe reports a known format, a size within the limits, 1 to 4
//    channels, an orientation of 1..8 and display sizes that follow from it;
//  - probing through the growing-prefix reader (what a file gets) gives exactly what
//    probing the whole image in memory gives, and reads no byte twice (a TIFF excepted:
//    its directories are read where they lie, in any order);
//  - the EXIF reader, given the image bytes as a TIFF block, answers 1..8, and 1 when it
//    calls them malformed.
#include <algorithm>
#include <cstring>
#include <vector>

#include "batch/probe_batch.h"
#include "decode/exif.h"
#include "fuzz_common.h"

namespace {

constexpr size_t kParamBytes = 12;

parcrop::Limits fuzz_limits() {
    parcrop::Limits limits;
    limits.max_width = 1u << 14;
    limits.max_height = 1u << 14;
    limits.max_pixels = uint64_t{1} << 22;
    limits.max_file_size = uint64_t{1} << 24;
    limits.max_tiled_image_side = 1u << 14;  // TIFF's side limit (max_width does not bound it)
    return limits;
}

// The image as a file would be read: at offsets, every byte counted.
class CountingReader final : public parcrop::ByteReader {
public:
    // A TIFF's directories lie anywhere: it is read where they are, not as a prefix.
    CountingReader(parcrop::ByteSpan data, bool random_access) : data_(data), random_access_(random_access) {}
    uint64_t size() const override { return data_.size; }
    parcrop::Status read_at(uint64_t offset, size_t count, uint8_t* out, size_t* got) override {
        if (!random_access_) PARCROP_FUZZ_CHECK(offset == next_);  // the prefix only ever grows
        const size_t available = offset < data_.size ? data_.size - static_cast<size_t>(offset) : 0;
        *got = std::min(count, available);
        if (*got > 0) std::memcpy(out, data_.data + offset, *got);
        if (*got > 0) next_ = std::max(next_, offset + *got);
        return parcrop::Status::ok();
    }
    // The end of the furthest read.
    uint64_t bytes_read() const { return next_; }

private:
    parcrop::ByteSpan data_;
    bool random_access_;
    uint64_t next_ = 0;
};

void check_info(const parcrop::ImageInfo& info, const parcrop::Limits& limits) {
    PARCROP_FUZZ_CHECK(info.format != parcrop::FileFormat::unknown);
    if (info.format == parcrop::FileFormat::tiff) {
        PARCROP_FUZZ_CHECK(info.width >= 1 && info.width <= limits.max_tiled_image_side);
        PARCROP_FUZZ_CHECK(info.height >= 1 && info.height <= limits.max_tiled_image_side);
        PARCROP_FUZZ_CHECK(!info.levels.empty() && info.levels[0].width == info.width);
    } else {
        PARCROP_FUZZ_CHECK(info.width >= 1 && info.width <= limits.max_width);
        PARCROP_FUZZ_CHECK(info.height >= 1 && info.height <= limits.max_height);
        PARCROP_FUZZ_CHECK(uint64_t{info.width} * info.height <= limits.max_pixels);
    }
    PARCROP_FUZZ_CHECK(info.channels >= 1 && info.channels <= 4);
    PARCROP_FUZZ_CHECK(info.orientation >= 1 && info.orientation <= 8);
    PARCROP_FUZZ_CHECK(!info.exif_malformed || info.orientation == 1);
    PARCROP_FUZZ_CHECK(info.has_alpha == (info.channels == 2 || info.channels == 4));
    parcrop_image_info out;
    parcrop::fill_image_info(info, true, &out);
    const bool swapped = info.orientation >= 5;
    PARCROP_FUZZ_CHECK(out.display_width == (swapped ? info.height : info.width));
    PARCROP_FUZZ_CHECK(out.display_height == (swapped ? info.width : info.height));
}

bool same(const parcrop::ImageInfo& a, const parcrop::ImageInfo& b) {
    return a.format == b.format && a.width == b.width && a.height == b.height && a.channels == b.channels &&
           a.orientation == b.orientation && a.exif_malformed == b.exif_malformed &&
           a.progressive == b.progressive && a.interlaced == b.interlaced && a.has_alpha == b.has_alpha &&
           a.restart_interval == b.restart_interval;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < kParamBytes) return 0;
    const parcrop::ByteSpan image{data + kParamBytes, size - kParamBytes};
    const parcrop::Limits limits = fuzz_limits();

    bool malformed = false;
    const uint32_t orientation = parcrop::exif_orientation(image.data, image.size, &malformed);
    PARCROP_FUZZ_CHECK(orientation >= 1 && orientation <= 8);
    PARCROP_FUZZ_CHECK(!malformed || orientation == 1);

    if (image.size == 0) return 0;
    parcrop::ImageInfo whole;
    const parcrop::Status status = parcrop::probe_image(image, limits, &whole, nullptr);
    PARCROP_FUZZ_CHECK(status.code() != PARCROP_E_INTERNAL);
    if (status.is_ok()) check_info(whole, limits);

    CountingReader reader(image, parcrop::sniff_format(image) == parcrop::FileFormat::tiff);
    std::vector<uint8_t> buffer;
    parcrop::ImageInfo prefixed;
    const parcrop::Status read_status = parcrop::probe_reader(reader, limits, &buffer, &prefixed);
    PARCROP_FUZZ_CHECK(read_status.code() == status.code());
    PARCROP_FUZZ_CHECK(reader.bytes_read() <= image.size);
    if (status.is_ok()) PARCROP_FUZZ_CHECK(same(whole, prefixed));
    return 0;
}
