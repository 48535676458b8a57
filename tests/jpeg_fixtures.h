// JPEG test files made on the fly with libjpeg (every subsampling, progressive,
// restart markers, arithmetic coding, CMYK), and two reference decoders: a full
// decode by libjpeg itself and one by stb_image, an independent implementation.
#pragma once

#include <cstdint>
#include <vector>

#include "image_fixtures.h"

namespace parcrop_test {

struct JpegOptions {
    int quality = 90;
    int h_samp = 2, v_samp = 2;  // luma sampling factors: 2x2 is 4:2:0, 2x1 is 4:2:2, 1x2 is 4:4:0
    bool progressive = false;
    bool arithmetic = false;
    unsigned restart_rows = 0;  // restart interval in MCU rows (0 = none)
    unsigned restart_mcus = 0;  // restart interval in MCUs (0 = none)
    bool cmyk = false;          // input has 4 channels, written as Adobe CMYK
    bool optimize = false;      // libjpeg's optimize_coding: tables with only the codes the image uses
};

// pixels: width * height * channels (1 gray, 3 RGB, 4 CMYK when options.cmyk).
std::vector<uint8_t> encode_jpeg(const std::vector<uint8_t>& pixels, uint32_t width, uint32_t height,
                                 uint32_t channels, const JpegOptions& options);

// libjpeg's whole-image decode, islow DCT, fancy upsampling, at 1/denom.
Pixels libjpeg_full_decode(const std::vector<uint8_t>& jpeg, uint32_t channels, uint32_t denom = 1);

// stb_image's decode of the same bytes: a different decoder, for tolerance checks.
Pixels stb_full_decode(const std::vector<uint8_t>& bytes, uint32_t channels);

}  // namespace parcrop_test
