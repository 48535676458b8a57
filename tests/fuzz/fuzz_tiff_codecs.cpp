// libFuzzer target for TIFF's byte codecs (src/decode/tiff/tiff_codecs.h).
//
// Input: one parameter byte, then the compressed stream. The byte's low 3 bits pick the
// codec (0 none, 1 LZW, 2 Deflate, 3 Adobe Deflate, 4 ZSTD, 5 JPEG or WebP, which must be
// refused, 6 and 7 LZW round trip: the stream is data that the reference encoder of
// tests/tiff_lzw_encoder.h compresses first), its high 5 bits how many bytes to ask for.
//
// Checked beyond "no crash, no leak, no sanitizer report" (the output buffer is exactly
// `wanted` bytes, so ASan sees a write past it, and a copy of the stream exactly its size):
//  - the status is OK, TRUNCATED, CORRUPT, UNSUPPORTED (LZW only) or DECODE_MEMORY (ZSTD
//    only), and INTERNAL exactly for JPEG and WebP;
//  - a success writes every byte: two decodes into buffers filled differently agree;
//  - a success for `wanted` bytes is a success for half as many, with the same prefix;
//  - the LZW round trip gives the data back.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "decode/tiff/tiff_codecs.h"
#include "fuzz_common.h"
#include "tiff_lzw_encoder.h"

namespace {

using parcrop::TiffCompression;

// Small sizes around the codecs' word and code boundaries, then whole tiles.
constexpr size_t kWantedSizes[32] = {1,    2,    3,    7,    8,     9,     15,    16,    17,    63,    64,
                                     100,  255,  256,  257,  511,   512,   1000,  1023,  1024,  2047,  4096,
                                     4097, 8191, 10000, 16384, 32768, 49152, 65536, 131072, 196608, 1 << 20};

struct Decoded {
    parcrop::Status status;
    std::vector<uint8_t> bytes;
};

Decoded decode(TiffCompression compression, parcrop::ByteSpan stream, size_t wanted, uint8_t fill) {
    std::unique_ptr<uint8_t[]> out(new uint8_t[wanted]);
    std::memset(out.get(), fill, wanted);
    Decoded decoded;
    decoded.status = parcrop::decompress_tiff_bytes(compression, stream, out.get(), wanted);
    if (decoded.status.is_ok()) {
        parcrop_fuzz::consume(out.get(), wanted);
        decoded.bytes.assign(out.get(), out.get() + wanted);
    }
    return decoded;
}

bool allowed(TiffCompression compression, parcrop_status code) {
    switch (code) {
        case PARCROP_OK:
        case PARCROP_E_TRUNCATED:
        case PARCROP_E_CORRUPT: return true;
        case PARCROP_E_UNSUPPORTED: return compression == TiffCompression::lzw;
        case PARCROP_E_DECODE_MEMORY: return compression == TiffCompression::zstd;
        default: return false;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t selector = data[0];
    const size_t wanted = kWantedSizes[selector >> 3];
    // A copy exactly the stream's size: a read past it is a heap overflow ASan reports.
    const size_t stream_size = size - 1;
    std::unique_ptr<uint8_t[]> copy(new uint8_t[stream_size + 1]);
    std::memcpy(copy.get(), data + 1, stream_size);
    const parcrop::ByteSpan stream{copy.get(), stream_size};

    static const TiffCompression kCodecs[5] = {TiffCompression::none, TiffCompression::lzw, TiffCompression::deflate,
                                               TiffCompression::adobe_deflate, TiffCompression::zstd};
    const unsigned pick = selector & 7;
    if (pick == 5) {
        const TiffCompression other = (selector >> 3) % 2 ? TiffCompression::jpeg : TiffCompression::webp;
        PARCROP_FUZZ_CHECK(decode(other, stream, 1, 0).status.code() == PARCROP_E_INTERNAL);
        return 0;
    }
    if (pick >= 6) {
        parcrop_test::TiffLzwOptions options;
        options.clear_when_full = pick == 6;
        options.clear_every = (selector >> 3) % 4 == 1 ? 50 + selector : 0;
        const std::vector<uint8_t> encoded = parcrop_test::tiff_lzw_encode(stream.data, stream.size, options);
        const size_t all = stream.size;
        const Decoded round = decode(TiffCompression::lzw, parcrop::ByteSpan{encoded.data(), encoded.size()}, all, 0);
        // Without clears the table may overflow libtiff's bound: CORRUPT, as libtiff says.
        if (!options.clear_when_full && options.clear_every == 0 && !round.status.is_ok()) {
            PARCROP_FUZZ_CHECK(round.status.code() == PARCROP_E_CORRUPT);
            return 0;
        }
        PARCROP_FUZZ_CHECK(round.status.is_ok());
        PARCROP_FUZZ_CHECK(all == 0 || std::memcmp(round.bytes.data(), stream.data, all) == 0);
        return 0;
    }

    const TiffCompression compression = kCodecs[pick];
    const Decoded first = decode(compression, stream, wanted, 0x00);
    PARCROP_FUZZ_CHECK(allowed(compression, first.status.code()));
    const Decoded second = decode(compression, stream, wanted, 0xFF);
    PARCROP_FUZZ_CHECK(second.status.code() == first.status.code());
    if (!first.status.is_ok()) return 0;
    PARCROP_FUZZ_CHECK(first.bytes == second.bytes);
    const size_t half = wanted / 2;
    if (half > 0) {
        const Decoded shorter = decode(compression, stream, half, 0x5A);
        PARCROP_FUZZ_CHECK(shorter.status.is_ok());
        PARCROP_FUZZ_CHECK(std::equal(shorter.bytes.begin(), shorter.bytes.end(), first.bytes.begin()));
    }
    return 0;
}
