// stb_image as the independent reference decoder of the tests, for the formats parcrop
// now decodes itself (TGA, Radiance HDR, BMP): what stbi_load_from_memory gives, with the
// file's own channel count (HDR: RGB tone-mapped with gamma 2.2, scale 1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "image_fixtures.h"

namespace parcrop_test {

// Empty Pixels (width 0) when stb refuses the file. Never call it on input that makes
// stb 2.27 loop forever (an HDR run-length count of 0, or data cut inside a run).
Pixels stb_reference_decode(const std::vector<uint8_t>& bytes);

// Whether stbi_info accepts the header: the reference for recognising TGA, which has no
// magic bytes.
bool stb_reference_recognizes(const uint8_t* data, size_t size);

}  // namespace parcrop_test
