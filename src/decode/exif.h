// EXIF orientation (TIFF tag 0x0112 of IFD0), read from untrusted bytes. Every offset and
// count in the block is checked against its size before use and only IFD0 is read (its
// next-IFD link is never followed), so a hostile block costs at most one pass over
// IFD0's entries and can neither loop nor read outside the block. A malformed block is
// never an image's failure: it reads as orientation 1 and says why.
#pragma once

#include <cstddef>
#include <cstdint>

#include "decode/decoder.h"

namespace parcrop {

// The orientation of a TIFF structure (an EXIF block after JPEG's "Exif\0\0", or a PNG
// eXIf payload, which may also carry that prefix): 1..8 as EXIF defines them, 1 when
// the tag is absent. A malformed block (bad byte order or magic, IFD0 or its entries
// past the end, the tag not one SHORT, a value outside 1..8) gives 1, sets *malformed
// and points *why (if not null) at a static description; otherwise *malformed is false.
uint32_t exif_orientation(const uint8_t* tiff, size_t size, bool* malformed, const char** why = nullptr);

// Whether the orientation puts the stored rows in columns (5..8: transposed or rotated
// by 90 degrees), so that the displayed image is height x width.
inline bool orientation_swaps_sides(uint32_t orientation) { return orientation >= 5 && orientation <= 8; }

// Where the EXIF block of a JPEG or PNG lies, found with the format's own header parser
// (jpeg_header.h, png_chunks.h): the first APP1 "Exif\0\0" before the first scan, or the
// first eXIf chunk before the image data. False when there is none or the headers before
// it cannot be parsed.
bool find_jpeg_exif(ByteSpan jpeg, ByteSpan* tiff);
bool find_png_exif(ByteSpan png, ByteSpan* tiff);

}  // namespace parcrop
