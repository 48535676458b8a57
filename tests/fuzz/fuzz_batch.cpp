// libFuzzer target for the public batch calls, parcrop_crop_batch and
// parcrop_crop_glimpses, with in-memory sources, as a caller with untrusted images and
// careless arguments would make them.
//
// Input: a 12-byte header, count 18-byte items, (sources - 1) u32 lengths, then the
// encoded bytes of the sources back to back (the last one takes the rest); see
// make_seed_corpus.cpp, which writes exactly this layout.
//   header [0] out_height-1 (6 bits)  [1] out_width-1 (6 bits)  [2] channels (1, 3, 4, rarely
//          invalid)  [3] filter (rarely invalid)  [4] mode (rarely invalid)  [5] bit 0
//          normalized boxes, bit 1 glimpses instead of boxes, bit 2 two threads, bits 3-7
//          row padding  [6] item padding (255: an item stride that is too small)
//          [7] count-1 (3 bits)  [8] sources-1 (mod 3)  [9] 2-bit kind of sources 1..3:
//          data, data, a prefix of source 0 (same pointer, shorter), no data/empty/missing
//          file  [10] max_img_percent  [11] bit 0: tiny max_pixels (bomb refusal path),
//          bits 1-2 out_of_bounds (3: an invalid value), bits 3-4 flip for every item,
//          bit 5 per-item flips from bits 2-3 of each item's box kind, bits 6-7 exif: 0 ignore,
//          1-2 apply (boxes on the displayed image), 3 an invalid value
//   item   [0] source index  [1] box kind (bits 0-1, mod 3): raw float32 bits (NaN, inf, huge, negative),
//          u16/256 pixels, u16/65535 fractions  [2..17] x0 y0 x1 y1 (or glimpse x, y, scale)
//
// Checked beyond "no crash, no leak, no sanitizer report":
//  - the call returns OK, ITEMS_FAILED or an argument error (1xx); after an argument error
//    neither the output nor the status array has been touched;
//  - no item reports PARCROP_E_INTERNAL; every status has a name in parcrop_strerror;
//  - a failed item's slot is all zero; bytes between rows and between items (the strides'
//    padding) are never written; every output byte is read;
//  - parcrop_last_* agree with the status array;
//  - every item gives alone, in a batch of its own, the status and bytes it gave in the
//    batch: sharing a source with other items changes neither its pixels nor whether it
//    fails (a crop above the damage of a cut file succeeds however many crops below it
//    the batch holds).
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "parcrop.h"

namespace {

using parcrop_fuzz::Reader;

constexpr uint8_t kSentinel = 0xA5;
// Not a status, yet inside the enum's range of values (0..511), so loading it is defined.
constexpr parcrop_status kUntouchedStatus = static_cast<parcrop_status>(511);

struct Call {
    parcrop_crop_params params{};
    bool glimpses = false;
    float max_img_percent = 1.0f;
    std::vector<parcrop_source> sources;
    std::vector<parcrop_box> boxes;
    std::vector<parcrop_glimpse> glimpse_list;
    std::vector<uint8_t> item_flips;  // empty: none
};

struct Outcome {
    parcrop_status result = PARCROP_OK;
    std::vector<uint8_t> out;
    std::vector<parcrop_status> status;
};

bool known_status(parcrop_status status) {
    return std::strcmp(parcrop_strerror(status), parcrop_strerror(kUntouchedStatus)) != 0;
}

size_t packed_item_bytes(const parcrop_crop_params& p) {
    return size_t{p.out_height} * p.out_width * p.out_channels;
}

Outcome run(parcrop_context* context, Call call, size_t buffer_bytes) {
    const size_t count = call.sources.size();
    call.params.item_flip = call.item_flips.empty() ? nullptr : call.item_flips.data();
    Outcome outcome;
    outcome.out.assign(buffer_bytes == 0 ? 1 : buffer_bytes, kSentinel);
    outcome.status.assign(count, kUntouchedStatus);
    if (call.glimpses) {
        outcome.result = parcrop_crop_glimpses(context, call.sources.data(), call.glimpse_list.data(), count,
                                               call.max_img_percent, &call.params, outcome.out.data(),
                                               outcome.status.data());
    } else {
        outcome.result = parcrop_crop_batch(context, call.sources.data(), call.boxes.data(), count, &call.params,
                                            outcome.out.data(), outcome.status.data());
    }
    return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Reader in(data, size);
    Call call;
    parcrop_crop_params_init(&call.params);
    parcrop_crop_params& p = call.params;
    p.out_height = 1 + (in.u8() & 63);
    p.out_width = 1 + (in.u8() & 63);
    const uint8_t channel_choice = in.u8();
    static const uint32_t kChannels[] = {1, 1, 3, 3, 3, 4, 4};
    p.out_channels = (channel_choice & 7) < 7 ? kChannels[channel_choice & 7] : static_cast<uint32_t>(channel_choice >> 3);
    const uint8_t filter_choice = in.u8();
    p.filter = static_cast<parcrop_filter>((filter_choice & 7) < 6 ? (filter_choice & 7) : filter_choice);
    const uint8_t mode_choice = in.u8();
    p.mode = static_cast<parcrop_decode_mode>((mode_choice & 3) < 3 ? (mode_choice & 3) : mode_choice);
    const uint8_t flags = in.u8();
    p.flags = (flags & 1) ? PARCROP_FLAG_NORMALIZED_BOXES : 0;
    call.glimpses = (flags & 2) != 0;
    const bool two_threads = (flags & 4) != 0;
    const uint32_t row_pad = flags >> 3;
    const uint8_t item_pad = in.u8();
    const size_t count = 1 + (in.u8() & 7);
    const size_t source_count = 1 + in.u8() % 3;
    const uint8_t source_kinds = in.u8();
    call.max_img_percent = static_cast<float>(in.u8()) / 200.0f;
    const uint8_t limit_choice = in.u8();

    // Strides: packed (0), padded rows and items, or an item stride that is too small.
    const size_t row_bytes = size_t{p.out_width} * p.out_channels;
    if (row_pad != 0) p.row_stride = row_bytes + row_pad;
    const size_t row_stride = p.row_stride != 0 ? p.row_stride : row_bytes;
    if (item_pad == 255) {
        p.item_stride = 1;
    } else if (item_pad != 0) {
        p.item_stride = row_stride * p.out_height + item_pad;
    }

    struct ItemSpec {
        uint8_t source;
        uint8_t kind;
        float v[4];
        uint16_t raw16[4];
    };
    std::vector<ItemSpec> specs(count);
    for (ItemSpec& spec : specs) {
        spec.source = in.u8();
        spec.kind = in.u8();
        Reader fields(in.rest(), std::min<size_t>(16, in.rest_size()));
        for (float& v : spec.v) v = fields.f32();
        Reader halves(in.rest(), std::min<size_t>(16, in.rest_size()));
        for (int k = 0; k < 4; ++k) {
            spec.raw16[k] = halves.u16();
            halves.u16();
        }
        for (int k = 0; k < 16; ++k) in.u8();
    }

    // Sources: lengths of all but the last, then the bytes.
    std::vector<size_t> lengths(source_count);
    for (size_t s = 0; s + 1 < source_count; ++s) lengths[s] = in.u32();
    const uint8_t* bytes = in.rest();
    size_t left = in.rest_size();
    static const uint8_t kOneByte[1] = {0};
    std::vector<parcrop_source> distinct(source_count);
    for (size_t s = 0; s < source_count; ++s) {
        const size_t length = s + 1 < source_count ? std::min(lengths[s], left) : left;
        parcrop_source& source = distinct[s];
        source = parcrop_source{nullptr, bytes, length};
        const uint32_t kind = s == 0 ? 0 : (source_kinds >> (2 * (s - 1))) & 3;
        if (kind == 2) {
            // A prefix of source 0: same pointer, so grouping must also look at the size.
            source = distinct[0];
            source.size = distinct[0].size - distinct[0].size / (2 + (source_kinds & 3));
        } else if (kind == 3) {
            switch (source_kinds >> 6) {
                case 0: source = parcrop_source{nullptr, nullptr, 0}; break;  // neither
                case 1: source = parcrop_source{nullptr, kOneByte, 0}; break;  // empty
                default: source = parcrop_source{"/nonexistent/parcrop-fuzz.png", nullptr, 0}; break;
            }
        }
        // A zero-length slice still gets a valid pointer (data == NULL means "use path").
        if (kind <= 1 && source.size == 0) source.data = kOneByte;
        bytes += length;
        left -= length;
    }

    for (const ItemSpec& spec : specs) {
        call.sources.push_back(distinct[spec.source % source_count]);
        float v[4];
        switch ((spec.kind & 3) % 3) {
            case 0: for (int k = 0; k < 4; ++k) v[k] = spec.v[k]; break;
            case 1: for (int k = 0; k < 4; ++k) v[k] = spec.raw16[k] / 256.0f; break;
            default: for (int k = 0; k < 4; ++k) v[k] = spec.raw16[k] / 65535.0f; break;
        }
        call.boxes.push_back(parcrop_box{v[0], v[1], v[2], v[3]});
        call.glimpse_list.push_back(parcrop_glimpse{v[0], v[1], v[2]});
        if (limit_choice & 32) call.item_flips.push_back(static_cast<uint8_t>((spec.kind >> 2) & 3));
    }
    const uint32_t policy = (limit_choice >> 1) & 3;
    const int out_of_bounds = policy < 3 ? static_cast<int>(policy) : 7;
    std::memcpy(&p.out_of_bounds, &out_of_bounds, sizeof out_of_bounds);
    p.flip = (limit_choice >> 3) & 3;
    const uint32_t exif_choice = (limit_choice >> 6) & 3;
    const int exif = exif_choice == 0 ? PARCROP_EXIF_IGNORE : exif_choice < 3 ? PARCROP_EXIF_APPLY : 2;
    std::memcpy(&p.exif, &exif, sizeof exif);
    const uint8_t fill[4] = {0x5A, 0x3C, 0x96, 0xC3};
    std::memcpy(p.fill, fill, sizeof fill);

    parcrop_options options;
    parcrop_options_init(&options);
    options.num_threads = two_threads ? 2 : 1;
    options.max_width = 1u << 14;
    options.max_height = 1u << 14;
    options.max_pixels = (limit_choice & 1) ? 4096 : uint64_t{1} << 22;
    options.max_file_size = uint64_t{1} << 24;
    options.max_decode_memory = uint64_t{64} << 20;
    options.max_tiled_image_side = 1u << 14;  // TIFF: bounds in proportion to the others
    options.max_item_decoded_pixels = uint64_t{1} << 22;
    parcrop_context* context = nullptr;
    PARCROP_FUZZ_CHECK(parcrop_context_create(&options, &context) == PARCROP_OK && context != nullptr);

    // Enough memory for the strides the call claims, capped: an item stride of 1 is the
    // only too-small stride generated, and it is refused before anything is written.
    const size_t item_stride = p.item_stride != 0 ? p.item_stride : row_stride * p.out_height;
    size_t buffer_bytes = item_stride * (count - 1) + row_stride * (p.out_height - 1) + row_bytes;
    const bool valid_channels = p.out_channels == 1 || p.out_channels == 3 || p.out_channels == 4;
    if (!valid_channels) buffer_bytes = packed_item_bytes(p) * count;  // refused anyway
    const Outcome batch = run(context, call, buffer_bytes);

    if (batch.result != PARCROP_OK && batch.result != PARCROP_ITEMS_FAILED) {
        // An argument error: nothing written at all.
        PARCROP_FUZZ_CHECK(batch.result / 100 == 1);
        for (const uint8_t b : batch.out) PARCROP_FUZZ_CHECK(b == kSentinel);
        for (const parcrop_status s : batch.status) PARCROP_FUZZ_CHECK(s == kUntouchedStatus);
        parcrop_context_destroy(context);
        return 0;
    }
    // An item stride of 1 is too small unless an item is a single byte.
    PARCROP_FUZZ_CHECK(valid_channels && (p.item_stride != 1 || packed_item_bytes(p) == 1));

    bool any_failed = false;
    std::vector<bool> is_row_byte(batch.out.size(), false);
    for (size_t i = 0; i < count; ++i) {
        const parcrop_status status = batch.status[i];
        PARCROP_FUZZ_CHECK(status != kUntouchedStatus);
        PARCROP_FUZZ_CHECK(known_status(status));
        PARCROP_FUZZ_CHECK(status != PARCROP_E_INTERNAL);
        PARCROP_FUZZ_CHECK(status != PARCROP_ITEMS_FAILED);
        any_failed |= status != PARCROP_OK;
        PARCROP_FUZZ_CHECK(parcrop_last_item_status(context, i) == status);
        const char* message = parcrop_last_item_message(context, i);
        PARCROP_FUZZ_CHECK(message != nullptr && (status == PARCROP_OK) == (message[0] == '\0'));
        for (uint32_t r = 0; r < p.out_height; ++r) {
            const size_t offset = i * item_stride + r * row_stride;
            const uint8_t* row = batch.out.data() + offset;
            parcrop_fuzz::consume(row, row_bytes);
            for (size_t k = 0; k < row_bytes; ++k) {
                is_row_byte[offset + k] = true;
                if (status != PARCROP_OK) PARCROP_FUZZ_CHECK(row[k] == 0);
            }
        }
    }
    PARCROP_FUZZ_CHECK(parcrop_last_batch_size(context) == count);
    PARCROP_FUZZ_CHECK((batch.result == PARCROP_ITEMS_FAILED) == any_failed);
    for (size_t k = 0; k < batch.out.size(); ++k) {
        if (!is_row_byte[k]) PARCROP_FUZZ_CHECK(batch.out[k] == kSentinel);
    }

    // Each item again, alone in its batch, packed.
    if (count > 1) {
        for (size_t i = 0; i < count; ++i) {
            Call alone = call;
            alone.params.row_stride = 0;
            alone.params.item_stride = 0;
            alone.sources.assign(1, call.sources[i]);
            alone.boxes.assign(1, call.boxes[i]);
            alone.glimpse_list.assign(1, call.glimpse_list[i]);
            if (!call.item_flips.empty()) alone.item_flips.assign(1, call.item_flips[i]);
            const Outcome single = run(context, alone, packed_item_bytes(p));
            PARCROP_FUZZ_CHECK(single.status[0] == batch.status[i] || batch.status[i] == PARCROP_E_OUT_OF_MEMORY);
            if (batch.status[i] != PARCROP_OK) continue;
            PARCROP_FUZZ_CHECK(single.result == PARCROP_OK);
            for (uint32_t r = 0; r < p.out_height; ++r) {
                const uint8_t* in_batch = batch.out.data() + i * item_stride + r * row_stride;
                if (std::memcmp(in_batch, single.out.data() + r * row_bytes, row_bytes) != 0) {
                    std::fprintf(stderr, "item %zu row %u differs between the batch and a batch of its own\n", i, r);
                    PARCROP_FUZZ_CHECK(!"an item's pixels do not depend on its batch");
                }
            }
        }
    }
    parcrop_context_destroy(context);
    return 0;
}
