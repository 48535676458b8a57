// TIFF's byte codecs (src/decode/tiff/tiff_codecs.h) on real streams: Deflate from zlib's
// compress2 at several levels, ZSTD from libzstd's one-shot and streaming compressors,
// LZW from the reference encoder of tests/tiff_lzw_encoder.h (widths 9 to 12, clears,
// tables that fill) and one stream from an independent encoder (imagecodecs); every
// output checked byte for byte, whole and as a prefix. Then damaged input: every
// truncation of each stream, corrupt codes, old-style LZW, random bytes; and the
// predictor against a transcription of the specification.
#include <catch2/catch.hpp>

#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "decode/tiff/tiff_codecs.h"
#include "image_fixtures.h"
#include "tiff_lzw_encoder.h"

using namespace parcrop;
using namespace parcrop_test;

namespace {

using Bytes = std::vector<uint8_t>;

constexpr size_t kGuard = 16;
constexpr uint8_t kCanary = 0xA5;

struct Outcome {
    Status status;
    Bytes bytes;  // the `wanted` bytes written
};

// Decodes into a buffer with canary bytes after `wanted`, and fails the test if any of
// them changed.
Outcome decode(TiffCompression compression, const Bytes& stream, size_t wanted, uint8_t fill = 0) {
    Bytes buffer(wanted + kGuard, fill);
    std::memset(buffer.data() + wanted, kCanary, kGuard);
    // A copy of exactly the stream's size, so that ASan sees any read past its end.
    std::unique_ptr<uint8_t[]> exact(new uint8_t[stream.size() + 1]);
    if (!stream.empty()) std::memcpy(exact.get(), stream.data(), stream.size());
    Outcome outcome;
    outcome.status = decompress_tiff_bytes(compression, ByteSpan{exact.get(), stream.size()}, buffer.data(), wanted);
    for (size_t i = 0; i < kGuard; ++i) REQUIRE(buffer[wanted + i] == kCanary);
    outcome.bytes.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(wanted));
    return outcome;
}

Bytes prefix(const Bytes& bytes, size_t size) { return Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size)); }

Bytes random_bytes(size_t size, uint32_t seed) {
    std::mt19937 rng(seed);
    Bytes out(size);
    for (uint8_t& b : out) b = static_cast<uint8_t>(rng());
    return out;
}

// Few symbols at random: strings grow a little, the table still fills.
Bytes low_entropy_bytes(size_t size, uint32_t seed, uint32_t symbols) {
    std::mt19937 rng(seed);
    Bytes out(size);
    for (uint8_t& b : out) b = static_cast<uint8_t>(rng() % symbols * 17);
    return out;
}

// A 256x256 RGB tile of a smooth synthetic photo, the common case.
Bytes photo_tile(uint32_t seed = 1) { return make_photo(256, 256, 3, seed).data; }

// Runs, repeats and noise in one buffer.
Bytes structured_bytes() {
    Bytes out;
    for (int i = 0; i < 3000; ++i) out.push_back(0);
    for (int i = 0; i < 4000; ++i) out.push_back(static_cast<uint8_t>(i % 7));
    const Bytes noise = random_bytes(5000, 7);
    out.insert(out.end(), noise.begin(), noise.end());
    for (int i = 0; i < 6000; ++i) out.push_back(static_cast<uint8_t>(i / 3));
    return out;
}

std::vector<size_t> wanted_sizes(size_t size) {
    std::vector<size_t> sizes = {1, 2, 3, 100, size / 3, size / 2, size - 1, size};
    std::vector<size_t> valid;
    for (const size_t s : sizes) {
        if (s >= 1 && s <= size) valid.push_back(s);
    }
    return valid;
}

// Every prefix of `data` that `wanted_sizes` lists decodes to exactly those bytes, and
// asking for more than the stream holds is TRUNCATED.
void check_stream(TiffCompression compression, const Bytes& stream, const Bytes& data) {
    for (const size_t wanted : wanted_sizes(data.size())) {
        INFO("wanted " << wanted << " of " << data.size());
        for (const uint8_t fill : {0x00, 0xFF}) {
            const Outcome outcome = decode(compression, stream, wanted, fill);
            REQUIRE(outcome.status.message() == "");
            REQUIRE(outcome.status.is_ok());
            REQUIRE(outcome.bytes == prefix(data, wanted));
        }
    }
    const Outcome more = decode(compression, stream, data.size() + 1);
    REQUIRE(more.status.code() == PARCROP_E_TRUNCATED);
    const Outcome zero = decode(compression, stream, 0);
    REQUIRE(zero.status.is_ok());
}

// Every proper prefix of the stream: TRUNCATED or CORRUPT, or OK only with the right
// bytes and only once no more than the stream's last `tail` bytes (a checksum, an end
// code) are missing. Never a write past `wanted`.
void check_every_truncation(TiffCompression compression, const Bytes& stream, const Bytes& data, size_t tail) {
    for (size_t size = 0; size < stream.size(); ++size) {
        INFO("stream cut to " << size << " of " << stream.size() << " bytes");
        const Outcome outcome = decode(compression, prefix(stream, size), data.size());
        if (outcome.status.is_ok()) {
            REQUIRE(size + tail >= stream.size());
            REQUIRE(outcome.bytes == data);
        } else {
            REQUIRE((outcome.status.code() == PARCROP_E_TRUNCATED || outcome.status.code() == PARCROP_E_CORRUPT));
        }
    }
}

Bytes zlib_compress(const Bytes& data, int level) {
    uLongf size = compressBound(static_cast<uLong>(data.size()));
    Bytes out(size);
    REQUIRE(compress2(out.data(), &size, data.data(), static_cast<uLong>(data.size()), level) == Z_OK);
    out.resize(size);
    return out;
}

Bytes zstd_compress(const Bytes& data, int level) {
    Bytes out(ZSTD_compressBound(data.size()));
    const size_t size = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
    REQUIRE(!ZSTD_isError(size));
    out.resize(size);
    return out;
}

// As a streaming writer (libtiff's) leaves it: no content size in the frame header, and
// here a checksum too.
Bytes zstd_compress_streaming(const Bytes& data, int level) {
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    REQUIRE(cctx != nullptr);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    Bytes out(ZSTD_compressBound(data.size()) + 64);
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    // Fed in pieces, so that the frame cannot know its size.
    size_t fed = 0;
    while (fed < data.size()) {
        const size_t piece = std::min<size_t>(4096, data.size() - fed);
        ZSTD_inBuffer input{data.data() + fed, piece, 0};
        while (input.pos < input.size) REQUIRE(!ZSTD_isError(ZSTD_compressStream2(cctx, &output, &input, ZSTD_e_continue)));
        fed += piece;
    }
    ZSTD_inBuffer none{nullptr, 0, 0};
    size_t left;
    do {
        left = ZSTD_compressStream2(cctx, &output, &none, ZSTD_e_end);
        REQUIRE(!ZSTD_isError(left));
    } while (left != 0);
    ZSTD_freeCCtx(cctx);
    out.resize(output.pos);
    return out;
}

// Codes written at the widths TIFF's decoder reads them at, for hand-made streams.
struct LzwCodes {
    TiffLzwBitWriter writer;
    unsigned width = 9;
    LzwCodes& code(uint32_t value) {
        writer.put(value, width);
        return *this;
    }
    Bytes bytes() { return writer.finish(); }
};

Bytes base64_decode(const std::string& text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    Bytes out;
    uint32_t bits = 0;
    int count = 0;
    for (const char c : text) {
        const int v = value(c);
        if (v < 0) continue;  // '=' padding
        bits = bits << 6 | static_cast<uint32_t>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<uint8_t>(bits >> count));
        }
    }
    return out;
}

// The input of the imagecodecs stream below: xorshift32 noise of 16 symbols (7000 bytes),
// then of 256 (1500), then a slow ramp (1500).
Bytes imagecodecs_input() {
    uint32_t x = 2463534242u;
    Bytes out;
    for (uint32_t i = 0; i < 10000; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        if (i < 7000) {
            out.push_back(static_cast<uint8_t>((x >> 28) & 0x0f));
        } else if (i < 8500) {
            out.push_back(static_cast<uint8_t>(x >> 24));
        } else {
            out.push_back(static_cast<uint8_t>((i / 7) & 0xff));
        }
    }
    return out;
}

// imagecodecs.lzw_encode(imagecodecs_input()) from Python's imagecodecs 2026.3.6, whose
// LZW encoder is its own C code, not libtiff's and not this test's: 5539 codes of 9 to 12
// bits with one clear code inside, checked by imagecodecs.lzw_decode before being pasted here.
const char* const kImagecodecsLzw =
    "gACBIHA4NAIFAUCAgLBQOA4JAoGBoNB4MAgABYEBIJAAHAoPAoEA4DAANhoEkUEAQFBICA0iBgABACB4Gg4AAQAhoBAILiIHBYNl"
    "0xBkvB0gklHBQGBcQAQEAIMBwBBNHB1MAAEBFQqQOAAOBYOkwDAIOBQEBQLBgNA0lBEIAsfANnkIOAdOpYMioDhAPB1oBGBBNzAY"
    "OB0IBAAjFerYGBlrAM5gQKj9kAtSAcgBgFA+PB2PB4KnIFBoAAwDrU0hwABMN1kVBYDAQLAF3zIOwYNAgMBEM00dBdNA2dmYKB8k"
    "x8k3dHBAGzllks8vUWBGij9nA0Qu8toQCBWDBAN3ky3W0mNltIH0+l3oIh/VAlsBMoxWtBYGA1078uBvIBwENWnABgYwoBAQqoGP"
    "mh6MAKAIGo8jb4t2jDxLMp8DwStSIgMmb+wcjwHgSBYDsM0gBwWyIGoYhcUgEAa+AIzgGgQuamr41DKAIAS7AEzCOrWn0HrIoQAg"
    "AzbTu+kwHxm4MZo4hKQqqiKWr1FSVgUvjSAMsCVrexQGAU0SeAUAKPAKBQDpKpa/AYmiqoS1LTKerSqgWBC/QawqkgSB6Kowhq2R"
    "63qeAAB7FKbA6wIwr4Bw4masgS/KizSAMQoMALdq23bsvCh7nI2tqgNY/7Lv+ACogGpYFx64cerjPybLApswIk+yPP+i8ExCqs0K"
    "go8dAOqCcoPMoEgYgrPp0BETvG4zh1fIzjgUtcTII4LYgNJaPwSloEpMsDEsnDDM0EzcyK8ijKM4mUYr+kTqqemNCgI7NDRImKJJ"
    "s3qao5UAAw4+bvPEkTBqjADwobVMQtmASCtbh7AtOz7+qYiiYz1E6yT43oAAKBa/IO3jUNnabmMioMdgG5q5xopqwofYKS48rygN"
    "iqOGouuaNgSAc7Jej6CqkjtI2m0MDKLMlIpolaKM+AOeoxfcdgLO6sgUoTcMeuKRvzHr1IqA8yReg7SsynqWLQAycpaxkTpKiDTq"
    "pHoBIonqqgIsE0qK+8MU1PkwvVMKUgao69WmninscBli0KnkHwAi0dtwgjatYkUYtlbIGLDK9EI/joCrtO67AeA8aX+s+wxfj0Xr"
    "UBq4vgtrWAVA7TILc8sN0gaWqYzq/LQ2jFAJF4Hqo5wDrnsWwoeB9Vo7I1pgWsu1SLdCvsctusM7FVjzarczpM6DHWmjQHpco8OI"
    "jDvh3zU9vSixCetCB60JHES/po40Z56lqOoEA4nKhjbAFReVBeiHzWgEJAnYmSS0jJGNQWJf5OYAIuKmAIAJ7lOnhWUj0tD4Fluy"
    "L+X9Lypy9EDLMoYv5QEyPOeabFRqI1Mm6WWVEzgBTFl/Mu2knCWyIm0JWjhYyBllkQNwAgixXELs8QGTRx7CybQYOqX4qZwUdk6K"
    "aVwuZbGVKRbwi9EjPTTtrIEUEiDVWno6PyTNAhQjlsNTSV80SKj3KYRoZR4sGDZEyL0TZVaBjIpoNqjN2hYiNGHOcQYo5HE+kQKy"
    "g8kawW6rpIESVekSERHOOOpU+Z7lGOLM4ShSKZyCMeW8YI4bhC0soMGTJLZFYAFeN4nZ0qfSLlYIsAkrYAzdKhbOjpBJbCYm0l0S"
    "JNCkSIHfAOd4q5VCyGPP6Q4taZE0GdQMfJxCdifIELCYpLaZDjp8f+ZQtaqTRKNMe/5GaMURmDWCRA0i9mLEvNO1R8x9y9EkZiSW"
    "QBqCWG9Z4oUtMsjWu9QS09IrVCfFoJqi6AxTEAGxUKscj58XXp8cWWoi5YU7NPNmgQmpZCsw/JagdtRiSoqWJ1AAjBAjjwOM8jM0"
    "xJm8AHSWRdBrYZzuEJFGUpLmzEm1TgYkuLHTD1CXokaZZg3XFSSKiSUiRiEFLP+9ItTDTFFRXoYVwiRIVQYMe2FtRnyXk8RG/RA5"
    "xjCnZW8ZkxJaECFrPIfctL5iNEDSKf1v5JTOyrQcg02KhlBPSZ5WAmxjyMkoQcRY00U3CFbfNUAh8OJUzodCnQvkxDs1sKmmhfhV"
    "EwqNJ0flVJDnimGLMgc7yWzaPSl4qR5McTgv8K2oVLxwyMTAJebotJ4iwp9PC71vBPj3HJTSWaJNPVK02KeTg2jV32FRl0g03B8y"
    "svFQOg4spUaNLZfeT4kLi5rkjMiykqCmCpHDM2UIvh36FGGJIZkiZGkdWQJyqmL0kCPHCPCSwgkAFjlaTAZ1NRrQFMdg0icrRKCL"
    "nVT4VEqTH0RlZJQgk1BA4kHugUUVYx91SOEUwhOxZDT8QKSWRWuRrCeHKZ6jJvD5jjvXcgRtO6NESF+UizRVZwmjuhNqW9FiOzSp"
    "FMCb8iN4mullTbACgcADSFQIzbt+hzicGtrE82YZuzMmOdMtNjyWz8TCeGstEhMk+F2TOaIhx9DPubOCUsiZ3npJLK2RDAxBmOnD"
    "MLkQ5yNLRoEzPPZNK3i9E6OuQdXy/7KUgekvWNJdpgoiIbBiDLYSrk1wOWY4Z7iOJFLCTM0JFivFQIQh8izugGs8OcWAlrT0ZtUz"
    "KYErUy1jyfTaVA2RLHmreJ7ctVjn58rHj0ehAZUDjRAUAZEiRm07mUTuktB5QXLl8fcvYgtbpLFtRDqWVt2yV1bLeQ8tZDlKubfQ"
    "R8719zAteJYj2MCY1VyMMOgQp6O2SafMG9RU6WysoMhVuYwJbCSuyhwYUj8piRoAdKWS3BdmwvSkQn50ppE0FXMcW9MJopkNqWQz"
    "zaV7M7FNKmR5GcbHEoqUim15ryDRMfaUWU2ZETZmfwIVM0My0HP+kyg5B6HC/sqtwXOADpZHKNY8SA3EOCgRuQeYcs5az4k4NfJK"
    "7JQkrEJY+z1ehPjtEUVSW3A5gbGNUJJD8o6t0RFvNISVVZvNxavN0io75XiNlqLOTokb9GfIANZJoiCGj1YXX+W0pioE+uoLUQx0"
    "pnSQoxIIwEpqDmGq1Ls08nR3FlxJLdAR+jodWQKIIZks6L3NlMLTkdzcODabaMSsYkRpCLFhQa8bah0Dmo7TQRbsjDyws91Sj0vx"
    "7lrKnP+Rwtnjz3GXNIVNSpPTDoxPcY6JjtbAmBTut4tBVyXO0Ik684yACDltMCZSOCXcDvYfoWAnqRkI2EiY6hSJ7TnP8eGQ4xKq"
    "1FQLY6Qwtb34CC5mKjsKbCslWH6HaM9k+l4mMn9FjlvIVCUDUGMnlpoiomrjHF+FvHpFDiNEjDNigE+kwmnjmidCiuRjpGMllj4i"
    "iDOFgq0sjHQjmjHj4pdHXmqPlsciOC2oqmKtWDrEDp3vkiWDLlTk0CSFoiri7LHiMGuEOLJiCCHi7qbCYpWm8N0pdCiOctUunDjj"
    "eijnijRIMKGjBirkBmqDBp8iau2Fjj1CZMfDjQZDRFCwkOYjQNUiTlFk+k0wRkHohuGCwihGriwLqCJQVO2DsiEuKjjEXPPJ0IKk"
    "yizini2G1FvQ2DAiHiHRCGuCBkTxNqUC1FDDeHQn+pkkAP7JEjCj6kDCXwljSEAETlFC+EDjSjsiSiKihDaDQiQpzCJoLrcipxBC"
    "QH6MKDjN9lViyiJszMYlFEiipNaiminpeGJEjCJEsHjOFORC2iho+LiDJoPGnivEpjmlIj8N5jvE0PCCzCepeEviqnmkBokHQnaR"
    "gvpCUFAMjp4CiiMGPjSiriEE2ksMviLD1CjtDkfkwOyCcmVibMviFiXj2iVm6GnwWCajTtQEwnFtiipDOk0iUFOnQgHjAk+mPGdD"
    "av1LiIFDToFKIkqmeueIpCIkTksGwkejNiRCcHEqrixHzCWnkGXDdFDCXjvCpCquEnNm6DWnwMDjbDFCKtEFCtPlMEZPDmrnNqBC"
    "tC2STC2vmjnQqjeKIC3mLjAi5lLFKimEdvAxDCDC2CoHCLEjWjSnkDLpliUDsmeqbCGnNsBMSD7sutVFDJdC3nmkGiUKFR1t8vVF"
    "TjSDYj7yhD+kDD5npEyibCFoMFvDvDqytFtQNEYiZDoDrE0jdMzNijOEwoblUjXlRsaj5j0k7ogi0uYJAlKyQRsj1okDRicEyybj"
    "3lOn6C0D+kHuyCLj/iBDZkRimCSCaDhtPJnlWCbGro2GrrLisl/qnukEQlCnkCivVCvG6CyIskHCNt9zAkXESDBlDMvjLklpeCDE"
    "DC3CmiliaHzCxQUr4CtxkDvMBDYqSiECdEeoACIDdm8IfD5k8FMPDiJkGi9D/iRlmEaFsisiJFrM6sBiLlDRIC1QSuGNWKGnCCEj"
    "AkGjHOcx5SuEVMmKbDgibjQykCLuSoADTk6jhldiENJDYkXCdimMOERNJCDHpCznpE7i9JNoNHitUnNiYlljvGqCViqUAC4iOCEM"
    "FnkDMnzDsplkKGCkcN2kaDDEdj8GVFGnzCaNALCzwT2k+jaiBiOrvFg0uj/mfpukYiJkwSaUaqLJeHSrSOExaiBKbCFw3kvFUi1j"
    "HuwuRzZmwkZnFnmrHlUiNHaTci/KuPXDPuZCrjaGDGPiez7GnjOyJM3C5wpMHiEjSjVO/s8ifzoulFjFJO3QpDwiqDeMIzAk2k01"
    "FGrq0NNiVlDPoICIAF/nNs4vQkyMlp1qoDWtermK7QwiMpYN6lDFMCeplkOt6i7FmD/jSwvmwicHhnTFVx/D2kdCVrUiNniwoCvy"
    "mDasbzpoFFeibCNi5vYTlC0pzxtG/jNSQEXIkDnIMCHG6DxL9kQi9EYk3ETiJy1jKvwIkLgFUx1VOCOHhssFnFszToCFTxZDZDQm"
    "7DMy8mrr4iMidRcocGeEwFT0qTtS8r6ChSMFjkaCZxxyjDTygWFkTnwG7K3j8yUxgsbmVCgFUqNGni1KbCNoKCtiEl2DEy1nSoMv"
    "GjFEVD+jwmUwajLi3uepGUoDWU+rgRZxFiviBFlr5ziMVscjUG1C9CwpwCLpdNjkBmOjdjdP6iouhEVQAFvDdTdyMHsCGSynkEdI"
    "MmnjjizIsEAEVE+mPiUnFlljAifCaCyqtnXiSFDM8CqOkGnESF/22i2yRuUjwFNDbwRksFvF6iMiqidDMjYk2lGtSEVoumYFjkrF"
    "DE+kBnTWQjQkBqqCvqAFjDRE+unNUmrC2NGxJiaiYiHxNn+KWHhk+IFEi0VICNUx9naiZqbC/iumhi4kHDjSQCICpEyNaNFHNjCu"
    "Ei0iZmPitjmlTCMEHEBq2H6EHDYNUsMTIsdjZCyK4CBstGGtrEDEGkMUajQlTi2C0mpp3CcidGmljG5HkQMiIreG6K+T8IzCoirv"
    "rsMG/SVClmPEgGPPWmPv5v8IMpviZPgDZKkjKJlkRkykHvzmkitixLND8VVDaGqE7zjLvGORUKbDOIYDP4DjOX2DmiWR5HQiECHF"
    "givKRiZsM3Ciwj4kBjcERjenpC14GxePLCEDOytTsHCPinznTVmH6SQYPj8iN2VviGYW6SCOeDEjHQjDRSjD5k6qOCmOYXapxK8s"
    "UHhmbi4i1OxGZCzC7Q3pln6CCia4OTwphuimqCZVhCdTcIpRcTBM5j4imV2wQGQNBjdiGjWnJlMDDkVC+J4EPky4Wm6KbDHKWqC3"
    "lMGOwlsijGeMvSiMNpdEBi1u0oMNDCQx4jsm5DEGGiMxLkpiSFjJdCMoLksU8DHl/y4JUsqj7sQHTWpiqZoqQ0BFBXkjIFUreECF"
    "MHaDTC/DTFpmIiEyzmLnTYmEXUYDWjZFjlsFYi1yKygIMwOjYixCCHF0FPVE+DOSxDoCXENV85ZJnDfp0jxCcIWFdPmpMLnlpqIH"
    "bv6nFplj/kHPoDMNYPx3QEEyOrbR9G8JFDUYTkGGLiXjgivlK1Rlhl9SQLmNICLJnzQLGH+Wyj4nTVRFFwc3sI8meX2z5ipyWzly"
    "8HCLSrCDhC4jZiJ6c5kRoIMqiV76RnXtXnTC7jqjKPZJdmPxc4RmYicksEtiJpw3nVnj353DeizokMyiHGeCCj4uniyMTtcZrGDy"
    "Qj8whxYw8peRNrfQyANB1gggxALAIgxgMAah/AmBXhnA9gpAbAUBWBQhMBjgMg2h8ATg1gJg7BOhngogmhUAVhGAZhsA8hKBFgBB"
    "oBEAtAhg7AnA5ADgUB/A6gIBIBLgYg6hFAEhphvhOBwhdB5hghUASgyAsAYgDhogwBnDRAsgUgYgYhsgihJBrhVBeAgBObIhVAhA"
    "ahrhVhkgPBEBjALBAhrBpBvhyhUAMh/BeB9g1BnBph4h5AaBIhNhPAjhvBsB5BlBfgShMAPB+gAgMAGBwhlBpg5hugbgXAqhZAjB"
    "oAfgWglhOgOBpAgB7BSgvgXhTgChsgEgTBVBXBVgVhgg1gChdhSgkAdgbBbAmhpAZBFgrg5A5gpB/BJBegBB0A3AVhcgcgzh8B+h"
    "UAKA4hGgCgfgDgRAKgOgrhGBwA6gWgVgphngGA1AuAQhZBjA5BbAMgRAhgLhNgUgwBYALhkBoAAhEAVgtA9A3AbBBhchigVgthvg"
    "bAIAHg2gtBhhxAvA5hshvBfBphRhzhNgKBgg0hdhLgbAmgvgoAeBgB2AxgEhZhdhhgQgPgWBegEAKBYgehohJhaghgXgXgVhlBaA"
    "Fh7gWARAtgAB+A4gPBIADhbA9AQAiAlglhUAEhAg4gUhZgkAsB2mwg/BuBNBqAIBxblhJglgygjAlh7hPA8gbhPgXBlBbAkhgACh"
    "UhchuBjBdgIAGB0AJhfALh7B9AnhDg1AviDArA3hvARAZggA3AhAzA1gYgkhSAOhbhOg3AqgSgKAyhMBIhwgJA7h2A+BABlApBxB"
    "wBZApgBBRgbBfAmgshUBUB8BQhqhMAXgnAQA+gegTBehFAhhGg3BiBwBchFhkhkBdAzh5hEgEhRgXhPgoB1h1hugJAKBQB5gOAVA"
    "vAaBdh6AhgwgkAFBiBjhXBsh7A0ARBNAIgQgEB6hQhnhDB2hXgkgiAeh2hwBOBUhtgHAzAjAdADgcAkBIh/hUhbgkAmgfgkh8Bvg"
    "iBygeBShjhohUg9g5hqBHA6ASB7hGhQgGgmAPBwgCAyAgh5hNh8BChjhZAzBEBehjAxAkgnB6BMhPAbg3AOgTgzB1h9BYBzhEhag"
    "2AVBRg2ATBGhKhagvBSBZAeBjhsgXBZgZhIBEAJgFAzAAgehIAShXAoB7gphHhRhTgtgQhrgchQh9hCc8B/gBAqBOgKBVAHBJBCB"
    "/hNhJh4A/B0BQB3gpgahHhbAqByADgygOA6h9BDhagGh3gmh8A4hIBCgDgmhhA+hcBUBBB+AnBoB8A3BWhBB2htAqARhTAfg6g6g"
    "xg/A/hWA+iANxjKtnpdsD1budwNJ8oh+q5UgRks5UuFOPQiGEBuo7BF8PotNVwBwGJF/ttkkYWiJSCsnJ1xM0mpw+mVrPVFqdaOZ"
    "vsVhkQaENBs5YqcqgBDGMCCh1itRP4GPJtOErItJNRoqgPuMvOVEn8lMFUiQIrpmOU/owfDxvDFxN8TuZioIgjAGCJous2HRBNZl"
    "q5zth7Ns+t9eG95OJyMpfuU0kx5NJ6kZlA5pvFDjN6loyjQuFYckknMArpMwttTI9ynZSntVgQNpJzM9CukihF1LAREQ7IZVJZXm"
    "hwEwDihAl12qpxpBYtgZEccpoYJ8fDRxhQiF4FEdhoxpItnO4uEQlMwfP93F0HLgGgVyBtWmEIBkPNNrqwtMI+OppmBYkme5dDSR"
    "I8AQI5HHuGgsg+K56G2SxYAEbpKnAFR2FMJI/hgDZ/mIRAsiSEoTH4ZZ6nudwFgQXYInkeQkmIGZLhwHQQheGY5C+AwNHwLoemeT"
    "ZQFwdpcluWgDGqCBKBOF47H+Vpel6Sp3HoWIzFeU53EyGIwGWBpVncPQUGiCI2B6TZZhcWSQFqZIAjaO5Oi0BBiE8Kh/hWcxGAWZ"
    "BaG6JJVBOWwFnqIBWCKAg7lWFYtnyH46D8VJQHeTZDmsUo2iKThJG2L4RmQYAjGcFgaHODg3BcYR3jeIAVBSWQ4lqKg7GGL4KHaK"
    "RgAEJoDiWI4TkcVwsDwc4+iEUhEG+DY8geDQ2CoaIFjeWYzDAH4WnqRB7h4XBFCGYh9DiagWhqEpCB8RhDEaEgmmUUYnjyQRVAAO"
    "4dGcCRqlOMowh6e5ohEOJugsRQmA8V4ZAwXZvC2OIIg8fR4GOe5DCyVhLjkDQhHEcI5G4OYaGEFB6D0cZtnwYJlgAfAnCwZRljIf"
    "h3k6UBgFaKo1C4M5xAmTsBmWFRGEgLwimwBIsFkIYdDwChihsLApm4cwcH6Ww6i+bA5lAJ5ZiqJh/COApGEUKY5AqfQEB+cJMgcB"
    "BkBwYpUDuW5SCqVg1h+IoanoUBbjsJoCD8eI2kkXABGqHhCBiZoNnuXZzm+BYrA4No7H0Ho6F2TJhDUaBSDsQgEgoA4wBcJhHgiH"
    "JLjKd55FyN4MCYc7IAWfofGYCJOGsaQ6GMB4cmSIRGF2Z3cG0NJTgAAgeHET4nn+XxwnGORLhiP4Wm+MAEAmcZkkAGJ/HQfICiUU"
    "p0CCBQvn+I4ih4Ah8HWeA9FYeZ3Hcf5ABMMg/m4XZjkwRwYAHgZAMGoBQ9xagZCyLAYAYwHgUDMA0cYHQAhBDoC8RItgriHCGEsC"
    "gvwah2DOLwc4+gvBrEEIQHIywIhBAcPwX4ZwdBTAeIMBQEB8ArFiLYI4YxCg2E+IgGYGheAbH2I8fIDATgxDQH4HovonROF/FGKQ"
    "vxgRVisMAYMWYtDBGFF2LwwhhxhjEMMYkZYzDEGLGmNQxRjRtjcMYY8cY5DHGRHWOwyBkx5j0MkZUfY/MtGXIGQQzJCSFGYM2REi"
    "RmjOkZI0Zwz5ISRGeNCSklRoDRkxJkaI0pOSdGkNOUEoRpjUlJKUag1ZUSpGqNaVkrRrDXlhLEa42JaS1GwNmXEuRsjal5L0bQ25"
    "gTBG2NyYkxRuDdmRMkbo3pmTNG8N+aE0RvjgmpNUcA4ZsTZHCOKbk3RxDjnBOEcY5JyTlHIOWdE6RyjmnZO0cw554TxHOOiek9R0"
    "DpnxPkdI6p+T9HUOugFAR1jsoJQUdg7aEUJHa/Shj9B30PogO8eFE6KDwHjRejA8UW0bRaPOj1Hx5j0pFSMeg9aTUnHqPalVKx7D"
    "3pdS8e4+KZUzHwPmm1Nx8j6p1TsfQ+6fU/H2PyoVQx+D9qNUcfo/qlVLH8P+p1Tx/gAqlVMAAAarVXACAKrVWwBADq9V8AYBKxVj"
    "AIAWs1ZwCgGrVWsAwB63VvAOAiuVcwEAJrtXcBICq9V7AUAuv1fwFgMsFYMBgDbDWHAaA6xViwHAPsdY8B4ELJWTAgBGy1lwIgSs"
    "1ZsCQE7PWfAmBS0VowKAVtNacCoFrVWrAsBe11rwLgYtlbMDAGbbW3AyBq3VuwNAbt9b8DYHLhXDA4B241xwOgeuVcsDwH7nXPA+"
    "CC6V0wQAhutdcEIIrtXbBECO713wRgkvFeMEgJbzXnRECa9V6wT3tvcCcFF8b5AoBTfW+wKQVX5v0CoFd/b/ArBZgHAQLAW4FwMC"
    "0F2CcFAuBfg3BwLwYYRwkDAGOFcLAxBlhnDQMgZ4dw8DMGmIcRA0BriXEwNQbYpxUDYG+LcXA3BxjHGQOAc41xsDkHWOcdA6B3j3"
    "HwOweZByEDwHuRcjA9B9knJQPgf5NycD8IGUcpBACDlXKwQQhZZy0EIIeXcvBDCJmHMQRAi5lzMEUI2ac1BGCPm3NwRwkZxzkEgJ"
    "Odc7BJCVnnPQSgl59z8EsJmgdBBMCboXQwTQnaJ0UE4J+jdHBPChpHSQUAo6V0sFEKWmdNBSCnp3TwUwqah1EFQKupdTBVCtqnVQ"
    "Vgr6t1cFcLGsdZBYCzrXWwWQta510FoLevdfBbC5sHYQXAu7F2MF0L2ydlBeC/s3ZwXwwbR2kGAMO1drBhDFtnbQYgx7d28GMMm4"
    "dxBkDLuXcwZQzbp3UGYM+7d3BnDRvHeQaA0713sGkNW+d9BqDXv3fwaw2cB4EGwNvBeDBtDdwnhQbg38N4cG8OHEeJBwDjxXiwcQ"
    "5cZ40HIOfHePBzDpyHkQdA68l5MHUO3KeVB2Dvy3lwdw8cx5kHgPPNebB5D1znnQeg98958HsPnQehB8D70XowfQ/dJ6UH4P/Ten"
    "B/EB1HqQgBA9V6sIEQXWetCCEH13rwgxCdh7EIQQvZezCFEN2ntQhhD9t7cIcRHce5CIET3XuwiRFd570IoRffe/CLEZ4HwQjBG+"
    "F8MI0R3ifFCOEf43xwjxIeR8kJASPlfLCREl5nzQkhJ+d88JMSnoRKEBAA=="
    ;

}  // namespace

TEST_CASE("uncompressed tiles are copied, and short ones are TRUNCATED", "[tiff][codecs]") {
    const Bytes data = random_bytes(1000, 1);
    check_stream(TiffCompression::none, data, data);
    const Outcome cut = decode(TiffCompression::none, prefix(data, 999), 1000);
    REQUIRE(cut.status.code() == PARCROP_E_TRUNCATED);
    REQUIRE(cut.status.message().find("none") != std::string::npos);
}

TEST_CASE("deflate streams of zlib decode whole and as prefixes, at every level", "[tiff][codecs][deflate]") {
    const std::vector<std::pair<const char*, Bytes>> inputs = {
        {"photo", photo_tile()}, {"random", random_bytes(70000, 2)}, {"structured", structured_bytes()},
        {"one byte", Bytes{42}}};
    for (const auto& input : inputs) {
        for (const int level : {0, 1, 6, 9}) {
            INFO(input.first << " at level " << level);
            const Bytes stream = zlib_compress(input.second, level);
            check_stream(TiffCompression::deflate, stream, input.second);
            check_stream(TiffCompression::adobe_deflate, stream, input.second);
        }
    }
}

TEST_CASE("deflate checks the Adler-32 only when the whole stream was decoded", "[tiff][codecs][deflate]") {
    const Bytes data = photo_tile(3);
    Bytes stream = zlib_compress(data, 6);
    stream.back() ^= 1;
    const Outcome whole = decode(TiffCompression::deflate, stream, data.size());
    REQUIRE(whole.status.code() == PARCROP_E_CORRUPT);
    REQUIRE(whole.status.message().find("deflate") != std::string::npos);
    const Outcome part = decode(TiffCompression::deflate, stream, data.size() / 2);
    REQUIRE(part.status.is_ok());
    REQUIRE(part.bytes == prefix(data, data.size() / 2));
    // Without its checksum the data is still all there.
    const Outcome unchecked = decode(TiffCompression::deflate, prefix(stream, stream.size() - 4), data.size());
    REQUIRE(unchecked.status.is_ok());
    REQUIRE(unchecked.bytes == data);
}

TEST_CASE("deflate refuses bad zlib headers and bad deflate data", "[tiff][codecs][deflate]") {
    const Bytes data = structured_bytes();
    const Bytes good = zlib_compress(data, 6);
    Bytes method = good;
    method[0] = 0x77;  // method 7
    Bytes check = good;
    check[1] ^= 1;
    Bytes dictionary = good;
    dictionary[1] = 0xBB;  // FDICT set, header check still valid: 0x78BB % 31 == 0
    REQUIRE((0x78 * 256 + 0xBB) % 31 == 0);
    Bytes block = good;
    block[2] |= 0x06;  // BTYPE 3, reserved
    for (const Bytes* bad : {&method, &check, &dictionary, &block}) {
        const Outcome outcome = decode(TiffCompression::deflate, *bad, data.size());
        REQUIRE(outcome.status.code() == PARCROP_E_CORRUPT);
        REQUIRE(outcome.status.message().find("deflate") != std::string::npos);
    }
    REQUIRE(decode(TiffCompression::deflate, Bytes{}, 1).status.code() == PARCROP_E_TRUNCATED);
}

TEST_CASE("zstd frames decode whole and as prefixes, with and without a content size", "[tiff][codecs][zstd]") {
    const std::vector<std::pair<const char*, Bytes>> inputs = {
        {"photo", photo_tile()}, {"random", random_bytes(70000, 4)}, {"structured", structured_bytes()},
        {"one byte", Bytes{42}}};
    for (const auto& input : inputs) {
        for (const int level : {-1, 1, 3, 19}) {
            INFO(input.first << " at level " << level);
            check_stream(TiffCompression::zstd, zstd_compress(input.second, level), input.second);
            check_stream(TiffCompression::zstd, zstd_compress_streaming(input.second, level), input.second);
        }
    }
    // Two frames back to back: the first one's content size fits any `wanted`.
    const Bytes a = random_bytes(3000, 5), b = photo_tile(6);
    Bytes both = zstd_compress(a, 3);
    const Bytes second = zstd_compress(b, 3);
    both.insert(both.end(), second.begin(), second.end());
    Bytes joined = a;
    joined.insert(joined.end(), b.begin(), b.end());
    check_stream(TiffCompression::zstd, both, joined);
}

TEST_CASE("zstd refuses damaged frames", "[tiff][codecs][zstd]") {
    const Bytes data = photo_tile(7);
    for (const Bytes& good : {zstd_compress(data, 3), zstd_compress_streaming(data, 3)}) {
        Bytes magic = good;
        magic[0] ^= 0xFF;
        const Outcome outcome = decode(TiffCompression::zstd, magic, data.size());
        REQUIRE(outcome.status.code() == PARCROP_E_CORRUPT);
        REQUIRE(outcome.status.message().find("zstd") != std::string::npos);
        // A flipped bit in the middle: an error, or (entropy-coded literals can absorb it)
        // different bytes, but never a crash or a write past the end.
        Bytes flipped = good;
        flipped[good.size() / 2] ^= 0x10;
        const Outcome damaged = decode(TiffCompression::zstd, flipped, data.size());
        REQUIRE((damaged.status.is_ok() || damaged.status.code() == PARCROP_E_CORRUPT ||
                 damaged.status.code() == PARCROP_E_TRUNCATED));
    }
}

TEST_CASE("LZW streams of the reference encoder decode whole and as prefixes", "[tiff][codecs][lzw]") {
    Bytes runs(20000, 'a');  // strings growing by one byte a code: the KwKwK case throughout
    Bytes alternating;
    for (int i = 0; i < 9000; ++i) alternating.push_back(static_cast<uint8_t>(i % 2 ? 'b' : 'a'));
    const std::vector<std::pair<const char*, Bytes>> inputs = {
        {"photo", photo_tile()},
        {"random (tables fill and clear, 9 to 12 bits)", random_bytes(30000, 8)},
        {"low entropy", low_entropy_bytes(40000, 9, 5)},
        {"structured", structured_bytes()},
        {"runs", runs},
        {"alternating", alternating},
        {"empty", Bytes{}},
        {"one byte", Bytes{7}},
        {"two bytes", Bytes{7, 7}},
        {"every byte value", [] { Bytes all; for (int i = 0; i < 256; ++i) all.push_back(static_cast<uint8_t>(i)); return all; }()},
    };
    for (const auto& input : inputs) {
        INFO(input.first);
        const Bytes& data = input.second;
        const Bytes stream = tiff_lzw_encode(data.data(), data.size());
        if (data.empty()) {
            REQUIRE(decode(TiffCompression::lzw, stream, 0).status.is_ok());
            REQUIRE(decode(TiffCompression::lzw, stream, 1).status.code() == PARCROP_E_TRUNCATED);
            continue;
        }
        check_stream(TiffCompression::lzw, stream, data);
        // Extra clear codes, a missing EndOfInformation, bytes after it: all as libtiff reads them.
        TiffLzwOptions frequent;
        frequent.clear_every = 97;
        check_stream(TiffCompression::lzw, tiff_lzw_encode(data.data(), data.size(), frequent), data);
        TiffLzwOptions unended;
        unended.end_code = false;
        const Bytes open = tiff_lzw_encode(data.data(), data.size(), unended);
        REQUIRE(decode(TiffCompression::lzw, open, data.size()).bytes == data);
        Bytes trailing = stream;
        trailing.insert(trailing.end(), {0xFF, 0x00, 0x12});
        REQUIRE(decode(TiffCompression::lzw, trailing, data.size()).bytes == data);
    }
}

TEST_CASE("LZW decodes every prefix length of a small stream", "[tiff][codecs][lzw]") {
    const Bytes data = low_entropy_bytes(1500, 10, 3);
    const Bytes stream = tiff_lzw_encode(data.data(), data.size());
    for (size_t wanted = 1; wanted <= data.size(); ++wanted) {
        const Outcome outcome = decode(TiffCompression::lzw, stream, wanted);
        REQUIRE(outcome.status.is_ok());
        REQUIRE(outcome.bytes == prefix(data, wanted));
    }
}

TEST_CASE("LZW reads a stream of an independent encoder (imagecodecs)", "[tiff][codecs][lzw]") {
    const Bytes stream = base64_decode(kImagecodecsLzw);
    const Bytes data = imagecodecs_input();
    REQUIRE(stream.size() == 7618);
    check_stream(TiffCompression::lzw, stream, data);
    // The two encoders differ where it matters: imagecodecs clears the table two codes
    // later than libtiff (and the reference encoder) do, so its stream names entries
    // 4094 and 4095 as well.
    REQUIRE(tiff_lzw_encode(data.data(), data.size()) != stream);
}

TEST_CASE("LZW without clear codes: libtiff's tolerance past a full table, then CORRUPT", "[tiff][codecs][lzw]") {
    // Random bytes: about one code a byte. The table is full after 3838 codes; libtiff
    // counts 1024 entries past 4095 before it gives up.
    TiffLzwOptions never;
    never.clear_when_full = false;
    const Bytes within = random_bytes(3838 + 900, 11);
    check_stream(TiffCompression::lzw, tiff_lzw_encode(within.data(), within.size(), never), within);
    const Bytes beyond = random_bytes(3838 + 1500, 12);
    const Outcome outcome =
        decode(TiffCompression::lzw, tiff_lzw_encode(beyond.data(), beyond.size(), never), beyond.size());
    REQUIRE(outcome.status.code() == PARCROP_E_CORRUPT);
    REQUIRE(outcome.status.message().find("lzw") != std::string::npos);
}

TEST_CASE("LZW refuses codes beyond the table, a missing clear and old-style streams", "[tiff][codecs][lzw]") {
    auto status_of = [](const Bytes& stream, size_t wanted) { return decode(TiffCompression::lzw, stream, wanted).status; };
    {
        LzwCodes c;  // 'a' then 300: the table's next entry is 258
        c.code(256).code('a').code(300).code(257);
        REQUIRE(status_of(c.bytes(), 10).code() == PARCROP_E_CORRUPT);
    }
    {
        LzwCodes c;  // 'a' then 259, one past the KwKwK code 258
        c.code(256).code('a').code(259).code(257);
        REQUIRE(status_of(c.bytes(), 10).code() == PARCROP_E_CORRUPT);
    }
    {
        LzwCodes c;  // 'a' then 258: KwKwK, "aaa"
        c.code(256).code('a').code(258).code(257);
        const Outcome outcome = decode(TiffCompression::lzw, c.bytes(), 3);
        REQUIRE(outcome.status.is_ok());
        REQUIRE(outcome.bytes == Bytes{'a', 'a', 'a'});
    }
    {
        LzwCodes c;  // no clear code first
        c.code('a').code('b').code(257);
        const Status status = status_of(c.bytes(), 2);
        REQUIRE(status.code() == PARCROP_E_CORRUPT);
        REQUIRE(status.message().find("lzw") != std::string::npos);
    }
    {
        LzwCodes c;  // a string code right after a clear
        c.code(256).code('a').code('b').code(256).code(258).code(257);
        REQUIRE(status_of(c.bytes(), 4).code() == PARCROP_E_CORRUPT);
    }
    {
        LzwCodes c;  // EndOfInformation before the bytes wanted
        c.code(256).code('a').code('b').code(257);
        REQUIRE(status_of(c.bytes(), 3).code() == PARCROP_E_TRUNCATED);
        REQUIRE(status_of(c.bytes(), 2).is_ok());
    }
    // Old-style LZW: codes least significant bit first, so the leading clear code (256)
    // reads 0x00, then a byte with its lowest bit set.
    const Status old = status_of(Bytes{0x00, 0x01, 0xC2, 0x00, 0x08}, 4);
    REQUIRE(old.code() == PARCROP_E_UNSUPPORTED);
    REQUIRE(old.message().find("lzw") != std::string::npos);
}

TEST_CASE("every truncation of every codec's stream is TRUNCATED or CORRUPT", "[tiff][codecs]") {
    const Bytes data = make_photo(40, 30, 3, 13).data;
    // OK is allowed only once no more than the stream's own end is missing: LZW's
    // EndOfInformation (12 bits and padding); zlib's Adler-32 and the end-of-block code
    // (at most 15 bits and padding) after the last byte of data.
    check_every_truncation(TiffCompression::lzw, tiff_lzw_encode(data.data(), data.size()), data, 2);
    check_every_truncation(TiffCompression::deflate, zlib_compress(data, 6), data, 4 + 2);
    check_every_truncation(TiffCompression::adobe_deflate, zlib_compress(data, 0), data, 4);
    check_every_truncation(TiffCompression::zstd, zstd_compress(data, 3), data, 0);
    check_every_truncation(TiffCompression::zstd, zstd_compress_streaming(data, 3), data, 4);  // its checksum
    check_every_truncation(TiffCompression::none, data, data, 0);
}

TEST_CASE("random bytes never crash a codec nor write past `wanted`", "[tiff][codecs]") {
    std::mt19937 rng(14);
    const TiffCompression codecs[] = {TiffCompression::lzw, TiffCompression::deflate, TiffCompression::zstd};
    for (int trial = 0; trial < 3000; ++trial) {
        const TiffCompression codec = codecs[trial % 3];
        Bytes stream = random_bytes(rng() % 600, static_cast<uint32_t>(trial));
        // Valid starts, so that the decoders get past their headers.
        if (codec == TiffCompression::lzw && !stream.empty()) stream[0] = 0x80;
        if (codec == TiffCompression::deflate && stream.size() >= 2) stream[0] = 0x78, stream[1] = 0x9C;
        if (codec == TiffCompression::zstd && stream.size() >= 4) stream[0] = 0x28, stream[1] = 0xB5, stream[2] = 0x2F, stream[3] = 0xFD;
        const Outcome outcome = decode(codec, stream, 1 + rng() % 5000);
        const parcrop_status code = outcome.status.code();
        INFO("trial " << trial << ": " << outcome.status.message());
        // DECODE_MEMORY: a zstd frame header asking for a window over zstd's limit.
        REQUIRE((code == PARCROP_OK || code == PARCROP_E_TRUNCATED || code == PARCROP_E_CORRUPT ||
                 code == PARCROP_E_UNSUPPORTED || code == PARCROP_E_DECODE_MEMORY));
    }
}

TEST_CASE("JPEG and WebP tiles are not byte codecs here", "[tiff][codecs]") {
    const Bytes data = random_bytes(100, 15);
    REQUIRE(decode(TiffCompression::jpeg, data, 10).status.code() == PARCROP_E_INTERNAL);
    REQUIRE(decode(TiffCompression::webp, data, 10).status.code() == PARCROP_E_INTERNAL);
    REQUIRE(decode(static_cast<TiffCompression>(2), data, 10).status.code() == PARCROP_E_INTERNAL);
}

TEST_CASE("the horizontal predictor is undone as the specification adds", "[tiff][codecs][predictor]") {
    std::mt19937 rng(16);
    for (const uint32_t samples : {1u, 2u, 3u, 4u, 5u, 8u}) {
        for (const size_t row_bytes : {size_t{1}, size_t{2}, size_t{3}, size_t{4}, size_t{7}, size_t{12}, size_t{768},
                                       size_t{769}}) {
            INFO(samples << " samples, rows of " << row_bytes << " bytes");
            const size_t rows = 5;
            Bytes differenced = random_bytes(rows * row_bytes + kGuard, static_cast<uint32_t>(rng()));
            // TIFF 6.0, section 14: each sample after a row's first pixel was stored minus
            // the same sample of the pixel before it, modulo 256.
            Bytes expected = differenced;
            for (size_t r = 0; r < rows; ++r) {
                for (size_t i = samples; i < row_bytes; ++i) {
                    uint8_t& value = expected[r * row_bytes + i];
                    value = static_cast<uint8_t>(value + expected[r * row_bytes + i - samples]);
                }
            }
            undo_horizontal_predictor(differenced.data(), rows, row_bytes, samples);
            REQUIRE(differenced == expected);  // the guard bytes too
        }
    }
}
