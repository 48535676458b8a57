// Deterministic test images and encoders, shared by the decoder tests. Every image is
// photographic-like (gradients, texture, hard edges, hashed noise) so that a wrong row,
// column, channel or byte order shows up as a mismatch; the expected pixels come from the
// source values and the format's specification, never from the decoder under test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "decode/decoder.h"

namespace parcrop_test {

// 8-bit interleaved pixels; channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
struct Pixels {
    uint32_t width = 0;
    uint32_t height = 0;
    uint32_t channels = 0;
    std::vector<uint8_t> data;

    const uint8_t* at(uint32_t x, uint32_t y) const {
        return data.data() + (size_t{y} * width + x) * channels;
    }
};

// Sample of channel role 0..3 (R or gray, G, B, alpha) at (x, y), 16 bits.
uint16_t photo_sample(uint32_t x, uint32_t y, uint32_t role, uint32_t width, uint32_t height,
                      uint32_t seed);

// An 8-bit photo: channel 1 of a gray+alpha image is the alpha role.
Pixels make_photo(uint32_t width, uint32_t height, uint32_t channels, uint32_t seed);

// The documented conversion (gray replicated, BT.601 luma in 16-bit fixed point, alpha
// dropped or opaque), written here independently of src/common/pixel_convert.
Pixels convert_reference(const Pixels& source, uint32_t channels);

// Columns [x0, x1) of the given rows, packed.
std::vector<uint8_t> crop_reference(const Pixels& image, uint32_t x0, uint32_t x1,
                                    const std::vector<uint32_t>& rows);

// A sink that keeps every row it is given, in arrival order.
class RecordingSink : public parcrop::RowSink {
public:
    explicit RecordingSink(size_t row_bytes) : row_bytes_(row_bytes) {}
    void row(uint32_t y, const uint8_t* pixels) override {
        rows.push_back(y);
        bytes.insert(bytes.end(), pixels, pixels + row_bytes_);
    }
    std::vector<uint32_t> rows;
    std::vector<uint8_t> bytes;

private:
    size_t row_bytes_;
};

// ----- PNG -----

struct PngVariant {
    uint8_t color_type = 0;  // spng_color_type
    uint8_t bit_depth = 8;
    bool trns = false;
    bool interlaced = false;
    std::string name() const;
};

// Every color type and legal bit depth, with and without tRNS where PNG allows it,
// progressive and interlaced.
std::vector<PngVariant> all_png_variants();

struct PngFixture {
    std::vector<uint8_t> bytes;
    // What a conforming decoder yields at 8 bits: low depths scaled to 0..255, 16 bits
    // reduced to the high byte, palettes expanded, tRNS turned into an alpha channel.
    Pixels expected;
};

// Encodes a photo of the variant with libspng's encoder. Throws std::runtime_error on an
// encoder failure (the tests cannot continue without their fixture).
PngFixture make_png(const PngVariant& variant, uint32_t width, uint32_t height, uint32_t seed);

// libspng's whole-image decode to RGBA8 with tRNS applied: the PNG reference decoder of
// the tests. On failure, sets *error to spng's code and returns no pixels.
Pixels spng_decode_rgba8(const std::vector<uint8_t>& png, int* error);

// Byte offset of the length field of the n-th chunk of `type`, or -1.
long find_png_chunk(const std::vector<uint8_t>& png, const char* type, int nth = 0);
// Recomputes the CRC of the chunk whose length field is at `offset`.
void fix_png_chunk_crc(std::vector<uint8_t>* png, long offset);

// ----- BMP, TGA, PNM, PSD, GIF, HDR -----

std::vector<uint8_t> encode_bmp(const Pixels& rgb_or_rgba);  // stb_image_write, 24/32 bpp
std::vector<uint8_t> encode_tga_rle(const Pixels& image);    // stb_image_write, RLE
std::vector<uint8_t> encode_tga_raw(const Pixels& image);    // uncompressed, top-down
std::vector<uint8_t> encode_pnm(const Pixels& gray_or_rgb, bool sixteen_bit);  // P5 / P6
std::vector<uint8_t> encode_psd(const Pixels& rgb, bool packbits);  // 3 channels, 8 bits
// libwebp's encoder: lossy (VP8, 4:2:0) at `quality`, or lossless (VP8L); RGBA images
// keep their alpha (the extended format's ALPH chunk when lossy).
std::vector<uint8_t> encode_webp(const Pixels& rgb_or_rgba, bool lossless, float quality = 80);

struct EncodedFixture {
    std::vector<uint8_t> bytes;
    Pixels expected;
};

// 256-colour GIF89a, one frame, LZW written with a clear code every 128 literals so the
// code width stays 9 bits. With `transparent_index` >= 0 a graphic control extension makes
// that index transparent (stb leaves such pixels 0,0,0,0 in a first frame).
EncodedFixture make_gif(uint32_t width, uint32_t height, uint32_t seed, int transparent_index);

// Radiance RGBE, flat (not run-length) scanlines; `expected` is stbi_load's tone mapping
// (gamma 1/2.2, scale 1) computed here in double precision, so allow +-1.
EncodedFixture make_hdr(uint32_t width, uint32_t height, uint32_t seed);

}  // namespace parcrop_test
